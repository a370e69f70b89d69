"""The sequence a class follows, beside its step

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-10 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.String(length=16), server_default='recipe', nullable=False))


def downgrade():
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_column('sequence')
