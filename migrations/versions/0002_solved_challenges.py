"""Solved challenges, kept with the learner's progress

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 01:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('solved_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.String(length=40), nullable=False),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id', 'challenge_id')
    )
    with op.batch_alter_table('solved_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solved_challenges_learner_id'), ['learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('solved_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solved_challenges_learner_id'))
    op.drop_table('solved_challenges')
