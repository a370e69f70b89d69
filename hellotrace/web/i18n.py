"""Interface strings in French and English, and the choice of language.

Every string a page shows lives here once per language; templates call `_("key", **params)`.
A missing key or language is a bug that tests catch (test_i18n checks both catalogues have the same keys).
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"


def pick_language(accept_language: str | None) -> str:
    """French or English from Accept-Language (quality values honoured), English otherwise."""
    best, best_quality = DEFAULT_LANGUAGE, -1.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.strip().lower().split("-")[0]
        # Earlier entries win ties, as browsers list them by preference.
        if language in LANGUAGES and quality > 0 and quality - position * 1e-6 > best_quality:
            best, best_quality = language, quality - position * 1e-6
    return best


def current_language() -> str:
    return getattr(g, "lang", None) or pick_language(request.headers.get("Accept-Language"))


def format_decimal(value: float, digits: int = 1, lang: str | None = None) -> str:
    """A number as the page's language writes it: `3.8` in English, `3,8` in French (a decimal comma)."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if (lang or current_language()) == "fr" else text


def translate(key: str, lang: str | None = None, **params: object) -> str:
    lang = lang or current_language()
    entry = MESSAGES.get(key)
    if entry is None:
        raise KeyError(f"no interface string {key!r}")
    text = entry[lang]
    return text.format(**params) if params else text


MESSAGES: dict[str, dict[str, str]] = {
    # -- site ------------------------------------------------------------------------------------------
    "site.tagline": {
        "en": "See what really travels between the Docker client and the Docker daemon.",
        "fr": "Voyez ce qui circule vraiment entre le client Docker et le démon Docker.",
    },
    "nav.home": {"en": "Home", "fr": "Accueil"},
    "nav.replay": {"en": "Replay", "fr": "Rejouer"},
    "nav.lessons": {"en": "Lessons", "fr": "Leçons"},
    "nav.skip": {"en": "Skip to content", "fr": "Aller au contenu"},

    # -- classroom: classes, presenter, followers, the teacher's view ----------------------------------
    "nav.class": {"en": "Class", "fr": "Classe"},
    "class.new.title": {"en": "Start a class", "fr": "Ouvrir une classe"},
    "class.new.intro": {
        "en": (
            "Your students join with a short code, follow your replay on their own sandbox, and you see who is where."
        ),
        "fr": (
            "Vos élèves entrent avec un code court, suivent votre replay sur leur propre bac à sable, et vous voyez "
            "où chacun en est."
        ),
    },
    "class.new.title_label": {"en": "Title (optional)", "fr": "Titre (facultatif)"},
    "class.new.create": {"en": "Create the class", "fr": "Créer la classe"},
    "class.new.secret_note": {
        "en": (
            "This browser keeps the class's teacher key: present from it, it is the only one that can lead the class."
        ),
        "fr": (
            "Ce navigateur garde la clé d'enseignant de la classe\u00a0: présentez depuis celui-ci, lui seul peut "
            "mener la classe."
        ),
    },
    "class.join.title": {"en": "Join a class", "fr": "Rejoindre une classe"},
    "class.join.code_label": {"en": "Class code (6 characters)", "fr": "Code de la classe (6 caractères)"},
    "class.join.continue": {"en": "Continue", "fr": "Continuer"},
    "class.join.teacher": {"en": "Teaching?", "fr": "Vous enseignez\u00a0?"},
    "class.join.into": {"en": "You are joining class {code}.", "fr": "Vous rejoignez la classe {code}."},
    "class.join.into_titled": {"en": "You are joining “{title}”.", "fr": "Vous rejoignez «\u00a0{title}\u00a0»."},
    "class.join.name_label": {
        "en": "Your name, as the teacher will see it",
        "fr": "Votre nom, tel que l'enseignant le verra",
    },
    "class.join.submit": {"en": "Join", "fr": "Entrer"},
    "class.join.privacy": {
        "en": "No account, no email: only this name. Your runs go to your own sandbox, which nobody else sees.",
        "fr": (
            "Ni compte ni e-mail\u00a0: juste ce nom. Vos exécutions vont dans votre propre bac à sable, que "
            "personne d'autre ne voit."
        ),
    },
    "class.problem.title": {"en": "This class cannot be reached", "fr": "Impossible d'accéder à cette classe"},
    "class.error.unknown": {
        "en": (
            "No class has this code. Check the code on the teacher's screen (no 0, O, 1 or I in it) and type it "
            "again."
        ),
        "fr": (
            "Aucune classe n'a ce code. Vérifiez-le sur l'écran de l'enseignant (il ne contient ni 0, ni O, ni 1, ni "
            "I) et retapez-le."
        ),
    },
    "class.error.ended": {
        "en": "This class has ended, so nobody can join it any more. Ask the teacher for the code of a new class.",
        "fr": (
            "Cette classe est terminée\u00a0: on ne peut plus la rejoindre. Demandez à l'enseignant le code d'une "
            "nouvelle classe."
        ),
    },
    "class.error.full": {
        "en": "This class is full: it has reached its number of students. Ask the teacher to open another class.",
        "fr": (
            "Cette classe est complète\u00a0: elle a atteint son nombre d'élèves. Demandez à l'enseignant d'en "
            "ouvrir une autre."
        ),
    },
    "class.error.name_empty": {
        "en": "Give a name so the teacher knows who you are (a first name is enough).",
        "fr": "Indiquez un nom pour que l'enseignant sache qui vous êtes (un prénom suffit).",
    },
    "class.error.name_too_long": {
        "en": "This name is longer than 40 characters: shorten it, then join again.",
        "fr": "Ce nom dépasse 40\u00a0caractères\u00a0: raccourcissez-le, puis rejoignez la classe.",
    },
    "class.error.name_invalid": {
        "en": "This name contains invisible control characters: type it again with letters, digits and spaces.",
        "fr": (
            "Ce nom contient des caractères de contrôle invisibles\u00a0: retapez-le avec des lettres, des chiffres "
            "et des espaces."
        ),
    },
    "class.error.title_too_long": {
        "en": "This title is longer than 120 characters: shorten it, then create the class.",
        "fr": "Ce titre dépasse 120\u00a0caractères\u00a0: raccourcissez-le, puis créez la classe.",
    },
    "class.error.title_invalid": {
        "en": "This title contains invisible control characters: type it again.",
        "fr": "Ce titre contient des caractères de contrôle invisibles\u00a0: retapez-le.",
    },
    "class.error.not_teacher": {
        "en": (
            "Only the browser that created this class can present it, and this one does not hold its teacher key. "
            "Open the class from that browser, or start a new class here."
        ),
        "fr": (
            "Seul le navigateur qui a créé cette classe peut la présenter, et celui-ci n'a pas sa clé d'enseignant. "
            "Ouvrez la classe depuis ce navigateur-là, ou créez-en une nouvelle ici."
        ),
    },
    "class.error.not_student": {
        "en": "This browser has not joined this class yet: join it with its code first.",
        "fr": "Ce navigateur n'a pas encore rejoint cette classe\u00a0: entrez d'abord avec son code.",
    },
    "class.error.bad_position": {
        "en": (
            "That place in the replay does not exist (steps go from 1 to 4). Move with the arrows or the step "
            "buttons."
        ),
        "fr": (
            "Cet endroit du replay n'existe pas (les étapes vont de 1 à 4). Déplacez-vous avec les flèches ou les "
            "boutons d'étape."
        ),
    },
    "class.error.bad_push": {
        "en": "That lesson or question does not exist in this language. Choose one from the list.",
        "fr": "Cette leçon ou cette question n'existe pas dans cette langue. Choisissez-en une dans la liste.",
    },
    "class.present.title": {"en": "Class", "fr": "Classe"},
    "class.present.panel": {"en": "Class controls", "fr": "Commandes de la classe"},
    "class.present.join_at": {"en": "To join, open:", "fr": "Pour entrer, ouvrez\u00a0:"},
    "class.present.code": {"en": "or type the code", "fr": "ou tapez le code"},
    "class.present.qr": {"en": "QR code of {url}", "fr": "QR code de {url}"},
    "class.present.follow_on": {"en": "Students follow: on", "fr": "Les élèves suivent\u00a0: oui"},
    "class.present.follow_off": {"en": "Students follow: off", "fr": "Les élèves suivent\u00a0: non"},
    "class.present.push_label": {"en": "Send to everyone", "fr": "Envoyer à tous"},
    "class.present.push": {"en": "Send now", "fr": "Envoyer"},
    "class.present.end": {"en": "End the class", "fr": "Terminer la classe"},
    "class.present.end_confirm": {
        "en": "End the class? Students are told; their sandboxes stay until idle.",
        "fr": (
            "Terminer la classe\u00a0? Les élèves sont prévenus\u00a0; leurs bacs à sable restent jusqu'à expiration."
        ),
    },
    "class.present.ended": {
        "en": "This class has ended. Students were told; their sandboxes stay until they are idle.",
        "fr": (
            "Cette classe est terminée. Les élèves ont été prévenus\u00a0; leurs bacs à sable restent jusqu'à ce "
            "qu'ils expirent."
        ),
    },
    "class.present.keyboard": {
        "en": "Keyboard: Space or → next exchange or step, ← back, R reset, F students follow on or off.",
        "fr": (
            "Clavier\u00a0: Espace ou → échange ou étape suivante, ← retour, R réinitialiser, F suivi des élèves oui "
            "ou non."
        ),
    },
    "class.roster.title": {"en": "The class ({n})", "fr": "La classe ({n})"},
    "class.roster.show_names": {"en": "Show names", "fr": "Afficher les noms"},
    "class.roster.hide_names": {"en": "Hide names", "fr": "Masquer les noms"},
    "class.roster.student": {"en": "Student", "fr": "Élève"},
    "class.roster.where": {"en": "Where", "fr": "Où"},
    "class.roster.steps": {"en": "Steps run", "fr": "Étapes lancées"},
    "class.roster.answers": {"en": "Quiz answers", "fr": "Réponses au quiz"},
    "class.roster.anonymous": {"en": "Student {n}", "fr": "Élève {n}"},
    "class.roster.following": {"en": "following", "fr": "suit"},
    "class.roster.exploring": {"en": "exploring", "fr": "explore"},
    "class.roster.steps_value": {
        "en": "steps {steps} · runs: {runs}",
        "fr": "étapes {steps} · lancements\u00a0: {runs}",
    },
    "class.roster.answers_value": {"en": "{right} right of {answered}", "fr": "{right} juste(s) sur {answered}"},
    "class.roster.empty": {"en": "Nobody has joined yet.", "fr": "Personne n'est encore entré."},
    "class.roster.questions": {"en": "Questions", "fr": "Questions"},
    "class.roster.share": {
        "en": "{percent}% right ({right} of {answered})",
        "fr": "{percent}\u00a0% de bonnes réponses ({right} sur {answered})",
    },
    "class.roster.terminal": {"en": "Own terminal", "fr": "Son terminal"},
    "class.roster.terminal_value": {"en": "requests: {n}", "fr": "requêtes\u00a0: {n}"},
    "class.follow.title": {"en": "Class", "fr": "Classe"},
    "class.follow.panel": {"en": "Your class", "fr": "Votre classe"},
    "class.follow.in_class": {
        "en": "You are in “{title}” as {name}.",
        "fr": "Vous êtes dans «\u00a0{title}\u00a0» sous le nom de {name}.",
    },
    "class.follow.following": {
        "en": "You follow the teacher: the page shows their step. Your own runs go to your sandbox.",
        "fr": "Vous suivez l'enseignant\u00a0: la page montre son étape. Vos exécutions vont dans votre bac à sable.",
    },
    "class.follow.paused": {
        "en": "The teacher has paused following: explore freely, the page will move again when they resume.",
        "fr": (
            "L'enseignant a suspendu le suivi\u00a0: explorez librement, la page bougera de nouveau quand il "
            "reprendra."
        ),
    },
    "class.follow.exploring": {
        "en": "You explore on your own: the page stays where you are.",
        "fr": "Vous explorez seul\u00a0: la page reste où vous êtes.",
    },
    "class.follow.ended": {
        "en": "The class has ended. Your sandbox stays for a while: keep exploring if you like.",
        "fr": "La classe est terminée. Votre bac à sable reste un moment\u00a0: continuez à explorer si vous voulez.",
    },
    "class.follow.teacher_step": {"en": "The teacher is on step {n}.", "fr": "L'enseignant est à l'étape {n}."},
    "class.follow.explore": {"en": "Explore on my own", "fr": "Explorer seul"},
    "class.follow.rejoin": {"en": "Back to the teacher", "fr": "Revenir à l'enseignant"},
    "class.pushed.question": {"en": "Everyone, answer this now", "fr": "À vous tous\u00a0: répondez maintenant"},
    "class.pushed.lesson": {
        "en": "The teacher asks you to open this lesson",
        "fr": "L'enseignant vous demande d'ouvrir cette leçon",
    },
    # -- learners' progress ----------------------------------------------------------------------------
    "progress.link": {"en": "Your progress and resume code", "fr": "Votre progression et votre code de reprise"},
    "progress.title": {"en": "Your progress", "fr": "Votre progression"},
    "progress.intro": {
        "en": "This browser remembers what you read, ran and answered, without an account.",
        "fr": "Ce navigateur retient ce que vous avez lu, lancé et répondu, sans compte.",
    },
    "progress.code_title": {"en": "Your resume code", "fr": "Votre code de reprise"},
    "progress.code_text": {
        "en": (
            "Note this code to continue on another device. Keep it to yourself: whoever has it sees and adds to your "
            "progress."
        ),
        "fr": (
            "Notez ce code pour continuer sur un autre appareil. Gardez-le pour vous\u00a0: qui l'a voit votre "
            "progression et peut y ajouter."
        ),
    },
    "progress.resume_title": {"en": "Continue from another device", "fr": "Reprendre depuis un autre appareil"},
    "progress.resume_label": {"en": "Resume code", "fr": "Code de reprise"},
    "progress.resume_submit": {"en": "Continue here", "fr": "Continuer ici"},
    "progress.resumed": {
        "en": "Welcome back: your progress is on this device now.",
        "fr": "Content de vous revoir\u00a0: votre progression est maintenant sur cet appareil.",
    },
    "progress.error.unknown": {
        "en": "No progress has this resume code. Check it (10 characters, no 0, O, 1 or I) and type it again.",
        "fr": (
            "Aucune progression n'a ce code de reprise. Vérifiez-le (10\u00a0caractères, ni 0, ni O, ni 1, ni I) et "
            "retapez-le."
        ),
    },
    "progress.lessons_title": {"en": "Lessons", "fr": "Leçons"},
    "progress.not_started": {"en": "not started", "fr": "pas commencée"},
    "progress.read": {"en": "read", "fr": "lue"},
    "progress.not_read": {"en": "not read", "fr": "pas lue"},
    "progress.answers": {"en": "{right} of {total} questions right", "fr": "{right} question(s) juste(s) sur {total}"},
    "progress.steps": {
        "en": "Replay steps you ran: {steps}",
        "fr": "Étapes du replay que vous avez lancées\u00a0: {steps}",
    },
    "lang.switch": {"en": "Version française", "fr": "English version"},
    "lang.other_code": {"en": "fr", "fr": "en"},
    "home.title": {
        "en": "What happens in docker run hello-world?",
        "fr": "Que se passe-t-il dans docker run hello-world\u00a0?",
    },
    "home.intro": {
        "en": "hello-world prints four numbered steps. hellotrace replays them for real, one HTTP call at a "
              "time, and shows you the curl command, the request as sent and the response as received.",
        "fr": "hello-world affiche quatre étapes numérotées. hellotrace les rejoue pour de vrai, un appel HTTP "
              "après l'autre, et vous montre la commande curl, la requête telle qu'elle part et la réponse "
              "telle qu'elle arrive.",
    },
    "home.cta": {"en": "Start the replay", "fr": "Lancer le rejeu"},
    "home.terminal.title": {"en": "Prefer your own terminal?", "fr": "Vous préférez votre propre terminal\u00a0?"},
    "home.terminal": {
        "en": "Point the docker CLI or curl at your own sandbox, the one the replay page uses:",
        "fr": "Faites pointer la CLI docker ou curl vers votre bac à sable, celui qu'utilise la page de rejeu\u00a0:",
    },
    "errorpage.404.title": {"en": "Page not found", "fr": "Page introuvable"},
    "errorpage.404.text": {
        "en": "No hellotrace page lives at this address. The menu above leads to the replay.",
        "fr": "Aucune page de hellotrace à cette adresse. Le menu ci-dessus mène au rejeu.",
    },
    "errorpage.403.title": {"en": "Presenter's link needed", "fr": "Lien du présentateur nécessaire"},
    "errorpage.403.text": {
        "en": "This hellotrace talks to a real Docker daemon and is shared on the network, so it only lets in "
              "visitors who opened the link the presenter gave (it ends with ?token=…). Ask for it.",
        "fr": "Ce hellotrace parle à un vrai démon Docker et il est partagé sur le réseau\u00a0: il n'accepte que "
              "les visiteurs qui ont ouvert le lien donné par le présentateur (il se termine par ?token=…). "
              "Demandez-le.",
    },
    "errorpage.4xx.title": {"en": "Request refused", "fr": "Requête refusée"},
    "errorpage.4xx.text": {
        "en": "The request could not be handled as sent. Go back to the previous page and try again.",
        "fr": "La requête n'a pas pu être traitée telle quelle. Revenez à la page précédente et réessayez.",
    },
    "errorpage.csrf.title": {"en": "This form has expired", "fr": "Ce formulaire a expiré"},
    "errorpage.csrf.text": {
        "en": "Nothing was done: the request did not carry this site's security token. It came from an old page, "
              "from another site, or from a browser that does not keep this site's cookie. Reload the page, then "
              "try again.",
        "fr": "Rien n'a été fait\u00a0: la requête ne portait pas le jeton de sécurité du site. Elle venait d'une page "
              "trop ancienne, d'un autre site, ou d'un navigateur qui ne garde pas le cookie du site. Rechargez la "
              "page, puis réessayez.",
    },
    "errorpage.session.title": {"en": "No session yet", "fr": "Pas encore de session"},
    "errorpage.session.text": {
        "en": "Nothing was done: this request came without the site's cookie, so it belongs to no visitor. Open the "
              "page first (your browser must accept this site's cookie), then use its buttons.",
        "fr": "Rien n'a été fait\u00a0: cette requête est arrivée sans le cookie du site, elle n'appartient donc à "
              "aucun visiteur. Ouvrez d'abord la page (votre navigateur doit accepter le cookie du site), puis "
              "servez-vous de ses boutons.",
    },
    "errorpage.host.title": {"en": "Unknown site name", "fr": "Nom de site inconnu"},
    "errorpage.host.text": {
        "en": "This request names the site {given}, a name hellotrace was not told to answer to. It refuses "
              "it so that a page on another site cannot reach it by pointing its own name at this machine (DNS "
              "rebinding). Nothing was done.",
        "fr": "Cette requête désigne le site sous le nom {given}, auquel hellotrace n'a pas été autorisé à "
              "répondre. Il la refuse pour qu'une page d'un autre site ne puisse pas l'atteindre en faisant "
              "pointer son propre nom vers cette machine (DNS rebinding). Rien n'a été fait.",
    },
    "errorpage.host.names": {
        "en": "Names it answers to: {names}.",
        "fr": "Noms auxquels il répond\u00a0: {names}.",
    },
    "errorpage.host.presenter": {
        "en": "Presenter: to serve a class under another name, start hellotrace with --allow-remote and "
              "--trusted-host NAME.",
        "fr": "Pour l'animateur\u00a0: pour servir une classe sous un autre nom, lancez hellotrace avec "
              "--allow-remote et --trusted-host NOM.",
    },
    "errorpage.5xx.title": {"en": "Internal error", "fr": "Erreur interne"},
    "errorpage.5xx.text": {
        "en": "hellotrace hit an unexpected error; it is written in its log. Reload the page to try again.",
        "fr": "hellotrace a rencontré une erreur inattendue, consignée dans son journal. Rechargez la page pour "
              "réessayer.",
    },
    # -- replay page -----------------------------------------------------------------------------------
    "replay.title": {"en": "Replay docker run hello-world", "fr": "Rejouer docker run hello-world"},
    "replay.intro": {
        "en": "Each step performs real Engine API calls over a real socket. Run them one by one, or all at once.",
        "fr": "Chaque étape envoie de vrais appels à l'API Engine sur une vraie socket. Lancez-les une par une, "
              "ou toutes d'un coup.",
    },
    "replay.sequence": {"en": "Sequence", "fr": "Séquence"},
    "replay.sequence.recipe": {"en": "The curl recipe", "fr": "La recette curl"},
    "replay.sequence.recipe.help": {
        "en": "create → 404 No such image → pull → create → start → wait → logs: what you would type.",
        "fr": "create → 404 No such image → pull → create → start → wait → logs\u00a0: ce que vous taperiez.",
    },
    "replay.sequence.cli": {"en": "What the docker CLI really sends", "fr": "Ce qu'envoie vraiment la CLI docker"},
    "replay.sequence.cli.help": {
        "en": "one ping and version negotiation (as docker CLI 28.2.2 does) → create → 404 → pull → create → "
              "attach (HTTP Upgrade, 101) → wait → start → output frames → exit status.",
        "fr": "un ping et la négociation de version (comme la CLI docker 28.2.2) → create → 404 → pull → create → "
              "attach (Upgrade HTTP, 101) → wait → start → trames de sortie → code de sortie.",
    },
    "replay.sequence.apply": {"en": "Use this sequence", "fr": "Utiliser cette séquence"},
    "replay.run_all": {"en": "Run all", "fr": "Tout lancer"},
    "replay.run_step": {"en": "Run step {n}", "fr": "Lancer l'étape {n}"},
    "replay.reset": {"en": "Reset", "fr": "Réinitialiser"},
    "replay.reset.help": {
        "en": "Removes the hello-world image and the containers the replay made, so the pull happens again.",
        "fr": "Supprime l'image hello-world et les conteneurs créés par le rejeu\u00a0: le pull aura lieu de nouveau.",
    },
    "replay.containers.quota": {
        "en": "Each visitor keeps their last {per_visitor} containers, and the site at most {total} in all: past "
              "either bound, the oldest are removed.",
        "fr": "Chaque visiteur garde ses {per_visitor} derniers conteneurs, et le site {total} au plus en tout\u00a0: "
              "au-delà, les plus anciens sont supprimés.",
    },
    "replay.reset.done": {
        "en": "Reset done: {count} calls sent.",
        "fr": "Réinitialisation effectuée\u00a0: {count} appels envoyés.",
    },
    "replay.keyboard": {
        "en": "Keyboard: ← → or j k move between steps, Enter runs the focused step. In the diagram, ↑ ↓ move "
              "between arrows and Enter opens one. Step by step, Space sends the next request.",
        "fr": "Clavier\u00a0: ← → ou j k pour passer d'une étape à l'autre, Entrée lance l'étape active. Dans le "
              "diagramme, ↑ ↓ passent d'une flèche à l'autre et Entrée en ouvre une. En pas à pas, Espace envoie la "
              "requête suivante.",
    },
    "replay.daemon": {"en": "Daemon:", "fr": "Démon\u00a0:"},
    "replay.daemon.mock": {
        "en": "hellotrace's mock Docker engine — your own sandbox",
        "fr": "le moteur Docker simulé de hellotrace — votre bac à sable",
    },
    "replay.daemon.real": {"en": "a real Docker daemon", "fr": "un vrai démon Docker"},
    "replay.daemon.version": {
        "en": "Docker {version}, API {api} ({os})",
        "fr": "Docker {version}, API {api} ({os})",
    },
    "replay.daemon.unreachable": {"en": "not reachable right now", "fr": "injoignable pour le moment"},
    "replay.terminal": {
        "en": "Use the same sandbox from your own terminal:",
        "fr": "Utilisez le même bac à sable depuis votre terminal\u00a0:",
    },
    "replay.finished": {"en": "Run finished.", "fr": "Rejeu terminé."},
    # --- trace page (what reaches your own sandbox) ---
    "nav.trace": {"en": "Trace", "fr": "Trace"},
    "trace.title": {"en": "Trace your own docker CLI", "fr": "Tracez votre propre CLI docker"},
    "trace.intro": {
        "en": "Every request that reaches your sandbox, from any client (your docker CLI, curl, an SDK), shows up "
              "here as it happens: the bytes exactly as they travelled, which command sent them and what the "
              "answer means. The requests of one command are grouped; the newest command comes first.",
        "fr": "Chaque requête qui atteint votre bac à sable, quel que soit le client (votre CLI docker, curl, un "
              "SDK), s'affiche ici au moment où elle arrive\u00a0: les octets tels qu'ils ont circulé, la commande "
              "qui les a envoyés et ce que veut dire la réponse. Les requêtes d'une même commande sont "
              "regroupées\u00a0; la commande la plus récente vient en premier.",
    },
    "trace.terminal": {
        "en": "In a terminal, point your docker CLI at your sandbox, then run a few commands:",
        "fr": "Dans un terminal, faites pointer votre CLI docker vers votre bac à sable, puis lancez quelques "
              "commandes\u00a0:",
    },
    "trace.terminal.proxy": {
        "en": "In a terminal, point your docker CLI at hellotrace's recording socket, which forwards every byte to "
              "the real daemon:",
        "fr": "Dans un terminal, faites pointer votre CLI docker vers la socket d'enregistrement de hellotrace, qui "
              "transmet chaque octet au vrai démon\u00a0:",
    },
    "trace.live": {
        "en": "This page updates by itself while you type commands.",
        "fr": "Cette page se met à jour toute seule pendant que vous tapez vos commandes.",
    },
    "trace.refresh": {"en": "Reload to see the latest requests", "fr": "Recharger pour voir les dernières requêtes"},
    "trace.empty": {
        "en": "Nothing has reached your sandbox yet.",
        "fr": "Rien n'a encore atteint votre bac à sable.",
    },
    "trace.no_proxy": {
        "en": "hellotrace talks to a real daemon, and no recording socket was opened. Start the site with "
              "--trace-socket PATH, then point DOCKER_HOST at unix://PATH to see your own commands here.",
        "fr": "hellotrace parle à un vrai démon et aucune socket d'enregistrement n'a été ouverte. Lancez le site "
              "avec --trace-socket CHEMIN, puis faites pointer DOCKER_HOST vers unix://CHEMIN pour voir ici vos "
              "propres commandes.",
    },
    "trace.export.comment": {
        "en": "What reached one hellotrace sandbox, byte for byte, one page per command run.",
        "fr": "Ce qu'a reçu un bac à sable hellotrace, octet pour octet, une page par commande lancée.",
    },
    "trace.sent_by": {"en": "sent by", "fr": "envoyée par"},
    "trace.or": {"en": "or", "fr": "ou"},
    "trace.lesson": {"en": "Read the lesson", "fr": "Lire la leçon"},
    "trace.stdin": {
        "en": "Client → daemon on the hijacked connection (the container's stdin)",
        "fr": "Client → démon sur la connexion détournée (l'entrée standard du conteneur)",
    },
    "trace.stdin.none": {
        "en": "No byte from the client reached the daemon on it (without -i, the CLI sends nothing).",
        "fr": "Aucun octet du client n'est parvenu au démon par cette connexion (sans -i, la CLI n'envoie rien).",
    },
    "trace.stdout_raw": {
        "en": "Daemon → client, raw (a TTY: no stdcopy frames)",
        "fr": "Démon → client, brut (un TTY\u00a0: pas de trames stdcopy)",
    },
    "trace.group.client": {"en": "Requests from {client}", "fr": "Requêtes de {client}"},
    "trace.group.meta": {
        "en": "{count} request(s) · {client} · {time}",
        "fr": "{count}\u00a0requête(s) · {client} · {time}",
    },
    "trace.does.ping": {
        "en": "Every docker command starts with this ping: it learns the daemon's API version and negotiates its own.",
        "fr": "Toute commande docker commence par ce ping\u00a0: elle y apprend la version d'API du démon et négocie "
              "la sienne.",
    },
    "trace.does.version": {"en": "Asks the daemon for its versions.", "fr": "Demande ses versions au démon."},
    "trace.does.info": {"en": "Asks the daemon to describe itself.", "fr": "Demande au démon de se décrire."},
    "trace.does.list_containers": {
        "en": "Lists containers (only running ones unless all=1).",
        "fr": "Liste les conteneurs (seulement ceux qui tournent, sauf avec all=1).",
    },
    "trace.does.create": {
        "en": "Creates a container from an image, with the configuration in the JSON body.",
        "fr": "Crée un conteneur à partir d'une image, avec la configuration du corps JSON.",
    },
    "trace.does.start": {"en": "Starts the container.", "fr": "Démarre le conteneur."},
    "trace.does.attach": {
        "en": "Asks to take over the connection to carry the container's input and output.",
        "fr": "Demande à détourner la connexion pour y faire passer les entrées et sorties du conteneur.",
    },
    "trace.does.wait": {
        "en": "Waits for the container to stop; the answer carries its exit code.",
        "fr": "Attend l'arrêt du conteneur\u00a0; la réponse porte son code de sortie.",
    },
    "trace.does.logs": {"en": "Reads the container's output.", "fr": "Lit la sortie du conteneur."},
    "trace.does.inspect": {
        "en": "Reads the container's full description.",
        "fr": "Lit la description complète du conteneur.",
    },
    "trace.does.remove": {"en": "Removes the container.", "fr": "Supprime le conteneur."},
    "trace.does.stop": {
        "en": "Stops the container (SIGTERM, then SIGKILL after the timeout).",
        "fr": "Arrête le conteneur (SIGTERM, puis SIGKILL après le délai).",
    },
    "trace.does.kill": {"en": "Sends a signal to the container.", "fr": "Envoie un signal au conteneur."},
    "trace.does.restart": {"en": "Restarts the container.", "fr": "Redémarre le conteneur."},
    "trace.does.resize": {
        "en": "Tells the daemon the size of your terminal.",
        "fr": "Indique au démon la taille de votre terminal.",
    },
    "trace.does.rename": {"en": "Renames the container.", "fr": "Renomme le conteneur."},
    "trace.does.top": {
        "en": "Lists the processes running in the container.",
        "fr": "Liste les processus qui tournent dans le conteneur.",
    },
    "trace.does.stats": {
        "en": "Reads the container's resource usage.",
        "fr": "Lit la consommation de ressources du conteneur.",
    },
    "trace.does.exec_create": {
        "en": "Prepares a command to run inside the container.",
        "fr": "Prépare une commande à lancer dans le conteneur.",
    },
    "trace.does.exec_start": {"en": "Runs the prepared command.", "fr": "Lance la commande préparée."},
    "trace.does.exec_inspect": {
        "en": "Reads how the command ended (its exit code).",
        "fr": "Lit comment la commande s'est terminée (son code de sortie).",
    },
    "trace.does.prune_containers": {
        "en": "Removes every stopped container.",
        "fr": "Supprime tous les conteneurs arrêtés.",
    },
    "trace.does.pull": {
        "en": "Asks the daemon to pull an image from its registry; progress comes back line by line.",
        "fr": "Demande au démon de récupérer une image auprès de son registre (le pull)\u00a0; la progression "
              "revient ligne par ligne.",
    },
    "trace.does.list_images": {
        "en": "Lists the images the daemon has.",
        "fr": "Liste les images que possède le démon.",
    },
    "trace.does.inspect_image": {"en": "Reads an image's description.", "fr": "Lit la description d'une image."},
    "trace.does.remove_image": {"en": "Removes an image.", "fr": "Supprime une image."},
    "trace.does.tag": {"en": "Gives an image another name.", "fr": "Donne un autre nom à une image."},
    "trace.does.history": {"en": "Lists an image's layers.", "fr": "Liste les couches d'une image."},
    "trace.does.prune_images": {"en": "Removes unused images.", "fr": "Supprime les images inutilisées."},
    "trace.does.events": {
        "en": "Follows the daemon's events as they happen.",
        "fr": "Suit les événements du démon au fil de l'eau.",
    },
    "trace.does.df": {"en": "Reads the daemon's disk usage.", "fr": "Lit l'occupation disque du démon."},
    "trace.does.networks": {"en": "Lists networks.", "fr": "Liste les réseaux."},
    "trace.does.volumes": {"en": "Lists volumes.", "fr": "Liste les volumes."},
    "trace.does.build": {"en": "Builds an image from a context.", "fr": "Construit une image à partir d'un contexte."},
    "trace.does.login": {
        "en": "Checks registry credentials through the daemon.",
        "fr": "Vérifie des identifiants de registre par l'intermédiaire du démon.",
    },
    "trace.does.unknown": {
        "en": "hellotrace has no note on this endpoint; the Engine API reference describes it.",
        "fr": "hellotrace n'a pas de note sur ce point d'accès\u00a0; la référence de l'API Engine le décrit.",
    },
    "trace.answer.waiting": {"en": "The answer has not come yet.", "fr": "La réponse n'est pas encore arrivée."},
    "trace.answer.none": {
        "en": "No answer came before the connection ended.",
        "fr": "Aucune réponse n'est arrivée avant la fin de la connexion.",
    },
    "trace.answer.ping_200": {
        "en": "200: the daemon is there; its Api-Version header sets the version used from now on.",
        "fr": "200\u00a0: le démon est là\u00a0; son en-tête Api-Version fixe la version employée ensuite.",
    },
    "trace.answer.create_404": {
        "en": "404: the image is not there. The CLI prints “Unable to find image … locally”, pulls it, then "
              "creates again.",
        "fr": "404\u00a0: l'image n'est pas là. La CLI affiche «\u00a0Unable to find image … locally\u00a0», "
              "la récupère, puis recrée le conteneur.",
    },
    "trace.answer.create_201": {
        "en": "201: the container exists (created, not yet started); the body gives its ID.",
        "fr": "201\u00a0: le conteneur existe (créé, pas encore démarré)\u00a0; le corps donne son ID.",
    },
    "trace.answer.pull_200": {
        "en": "200 at once, then the pull's progress as JSON lines; an error would come inside the stream.",
        "fr": "200 tout de suite, puis la progression du pull en lignes JSON\u00a0; une erreur arriverait "
              "dans le flux.",
    },
    "trace.answer.wait_200": {
        "en": "200: the container stopped; StatusCode is its exit code, which the CLI exits with.",
        "fr": "200\u00a0: le conteneur s'est arrêté\u00a0; StatusCode est son code de sortie, que la CLI reprend.",
    },
    "trace.answer.start_204": {
        "en": "204: started; nothing to say back.",
        "fr": "204\u00a0: démarré\u00a0; rien d'autre à dire.",
    },
    "trace.answer.101": {
        "en": "101: the daemon took over the connection; from here on it carries the container's raw streams.",
        "fr": "101\u00a0: le démon a pris la connexion\u00a0; elle transporte désormais les flux bruts du conteneur.",
    },
    "trace.answer.204": {"en": "204: done; nothing to say back.", "fr": "204\u00a0: fait\u00a0; rien d'autre à dire."},
    "trace.answer.304": {
        "en": "304: nothing to do, it was already in that state.",
        "fr": "304\u00a0: rien à faire, c'était déjà dans cet état.",
    },
    "trace.answer.400": {
        "en": "400: the daemon refused a parameter of the request.",
        "fr": "400\u00a0: le démon a refusé un paramètre de la requête.",
    },
    "trace.answer.404": {"en": "404: no such object.", "fr": "404\u00a0: objet introuvable."},
    "trace.answer.409": {
        "en": "409: conflict with the object's current state (a name in use, a running container…).",
        "fr": "409\u00a0: conflit avec l'état actuel de l'objet (nom déjà pris, conteneur en marche…).",
    },
    "trace.answer.500": {
        "en": "500: the daemon failed while handling the request.",
        "fr": "500\u00a0: le démon a échoué en traitant la requête.",
    },
    "trace.answer.2xx": {"en": "{status}: done.", "fr": "{status}\u00a0: fait."},
    "trace.answer.3xx": {"en": "{status}: a redirection.", "fr": "{status}\u00a0: une redirection."},
    "trace.answer.4xx": {"en": "{status}: the request was refused.", "fr": "{status}\u00a0: la requête a été refusée."},
    "trace.answer.5xx": {"en": "{status}: the daemon failed.", "fr": "{status}\u00a0: le démon a échoué."},
    "trace.answer.other": {"en": "{status}: an unusual status.", "fr": "{status}\u00a0: un statut inhabituel."},
    "replay.status.idle": {"en": "Not run yet", "fr": "Pas encore lancée"},
    "replay.status.running": {"en": "Running…", "fr": "En cours…"},
    "replay.status.ok": {"en": "Done", "fr": "Terminée"},
    "replay.status.failed": {"en": "Failed", "fr": "Échec"},
    "replay.busy": {
        "en": "A run is already in progress for you; its results appear below.",
        "fr": "Un rejeu est déjà en cours pour vous\u00a0; ses résultats s'affichent ci-dessous.",
    },
    "replay.bad_step": {
        "en": "There is no step “{step}”: choose 1, 2, 3, 4 or all.",
        "fr": "L'étape «\u00a0{step}\u00a0» n'existe pas\u00a0: choisissez 1, 2, 3, 4 ou all.",
    },
    "replay.bad_sequence": {
        "en": "Unknown sequence “{sequence}”: the curl recipe is used.",
        "fr": "Séquence «\u00a0{sequence}\u00a0» inconnue\u00a0: la recette curl est utilisée.",
    },
    # The four steps, in the page's language (titles echo the hello-world message).
    "step.1.title": {"en": "The client contacts the daemon", "fr": "Le client contacte le démon"},
    "step.1.text": {
        "en": "Before anything else the client pings the daemon (HEAD /_ping). The answer's Api-Version header "
              "tells which API the daemon speaks; the client keeps the lower of its own and the daemon's, and "
              "puts it in front of every later path (/v1.55/…).",
        "fr": "Avant toute chose, le client envoie un ping au démon (HEAD /_ping). L'en-tête Api-Version de la "
              "réponse indique l'API que parle le démon\u00a0; le client retient la plus basse des deux versions, "
              "la sienne et celle du démon, et la place devant tous les chemins suivants (/v1.55/…).",
    },
    "step.2.title": {"en": "The daemon pulls the image", "fr": "Le démon récupère l'image"},
    "step.2.text": {
        "en": "The client asks to create a container from hello-world. The daemon does not have the image and "
              "answers 404 No such image — that 404 is what makes the client ask for a pull (POST /images/create), "
              "whose progress arrives as one JSON object per line.",
        "fr": "Le client demande la création d'un conteneur à partir de hello-world. Le démon n'a pas l'image et "
              "répond 404 No such image — c'est ce 404 qui pousse le client à demander un pull (POST "
              "/images/create), dont la progression arrive sous forme d'un objet JSON par ligne.",
    },
    "step.3.title": {"en": "The daemon creates and starts a container", "fr": "Le démon crée et démarre un conteneur"},
    "step.3.text": {
        "en": "Now the create succeeds (201, with the container's ID) and the container is started (204). The "
              "docker CLI first opens attach (an HTTP Upgrade: a 101 answer, then the connection becomes a raw "
              "byte channel) and wait, so that it misses no output.",
        "fr": "Cette fois, la création réussit (201, avec l'identifiant du conteneur) et le conteneur est démarré "
              "(204). La CLI docker ouvre d'abord attach (un Upgrade HTTP\u00a0: une réponse 101, puis la connexion "
              "devient un canal d'octets brut) et wait, pour ne rien manquer de la sortie.",
    },
    "step.4.title": {"en": "The daemon streams the output back", "fr": "Le démon renvoie la sortie au client"},
    "step.4.text": {
        "en": "The program's output travels back in 8-byte-framed chunks (stream, then length), which the client "
              "decodes and writes to your terminal; wait then gives the exit status.",
        "fr": "La sortie du programme revient découpée en trames, chacune précédée d'un en-tête de 8\u00a0octets (le "
              "flux, puis la longueur), que le client décode et écrit dans votre terminal\u00a0; wait donne ensuite le "
              "code de sortie.",
    },
    # -- sequence diagram ------------------------------------------------------------------------------
    "diagram.title": {"en": "Sequence of the exchanges", "fr": "Séquence des échanges"},
    "diagram.caption": {
        "en": "Each arrow is one exchange: choose it to see its curl, request and response.",
        "fr": "Chaque flèche est un échange\u00a0: choisissez-la pour voir sa commande curl, sa requête et sa réponse.",
    },
    "diagram.lane.daemon": {"en": "daemon", "fr": "démon"},
    "diagram.lane.registry": {"en": "registry", "fr": "registre"},
    "diagram.lane.curl": {"en": "curl", "fr": "curl"},
    "diagram.lane.cli": {"en": "docker CLI", "fr": "CLI docker"},
    "diagram.lane.client": {"en": "client", "fr": "client"},
    "diagram.desc.lanes": {
        "en": "Lanes: {client}, the daemon, and the registry the daemon pulls from.",
        "fr": "Couloirs\u00a0: {client}, le démon, et le registre où le démon récupère les images.",
    },
    "diagram.prefix": {
        "en": "Every path is under {prefix}, left out of the arrows.",
        "fr": "Tous les chemins commencent par {prefix}, omis sur les flèches.",
    },
    "diagram.arrow": {"en": "Exchange {n}: {method} {path},", "fr": "Échange {n}\u00a0: {method} {path},"},
    "diagram.answer": {"en": "answered {status}.", "fr": "réponse {status}."},
    "diagram.pending": {"en": "shown, not sent yet.", "fr": "affiché, pas encore envoyé."},
    "diagram.waiting": {"en": "waiting for the answer.", "fr": "en attente de la réponse."},
    "diagram.failed": {"en": "no answer.", "fr": "sans réponse."},
    "diagram.next": {"en": "next, not sent yet", "fr": "suivant, pas encore envoyé"},
    "diagram.continued": {"en": "{n}. {label}, continued", "fr": "{n}. {label}, suite"},
    "diagram.continued.unnumbered": {"en": "{label}, continued", "fr": "{label}, suite"},
    "diagram.planned": {"en": "To be sent: {method} {path}.", "fr": "À envoyer\u00a0: {method} {path}."},
    "diagram.expected": {"en": "Expected answer: {status}.", "fr": "Réponse attendue\u00a0: {status}."},
    "diagram.figure": {
        "en": "What docker run hello-world sends: {sequence}",
        "fr": "Ce qu'envoie docker run hello-world\u00a0: {sequence}",
    },
    "diagram.upgrade": {
        "en": "The 101 answer turns the connection into a raw stream of frames with 8-byte headers.",
        "fr": "La réponse 101 transforme la connexion en flux brut de trames à en-tête de 8\u00a0octets.",
    },
    "diagram.upgrade.short": {"en": "101: raw stream", "fr": "101\u00a0: flux brut"},
    "diagram.lines": {"en": "{n} progress lines.", "fr": "{n}\u00a0lignes de progression."},
    "diagram.frames": {"en": "{n} frames, 8-byte headers.", "fr": "{n}\u00a0trames, en-têtes de 8\u00a0octets."},
    "diagram.registry.manifest": {"en": "manifest {name}", "fr": "manifeste {name}"},
    "diagram.registry.blob": {"en": "layer {name}", "fr": "couche {name}"},
    "diagram.registry.simulated": {
        "en": "simulated: what a daemon would fetch",
        "fr": "simulé\u00a0: ce qu'un démon irait chercher",
    },
    "diagram.registry.reported": {
        "en": "as the pull stream reports it",
        "fr": "d'après le flux du pull",
    },
    "diagram.desc.registry": {
        "en": "Meanwhile the daemon fetches from the registry ({how}): {calls}.",
        "fr": "Pendant ce temps, le démon interroge le registre ({how})\u00a0: {calls}.",
    },
    "diagram.empty": {"en": "No exchange yet.", "fr": "Aucun échange pour l'instant."},
    "diagram.step": {"en": "Step {n}", "fr": "Étape {n}"},
    # -- pacing and the stage layout --------------------------------------------------------------------
    "replay.step_index": {"en": "The four steps", "fr": "Les quatre étapes"},
    "replay.expand_all": {"en": "Expand all", "fr": "Tout déplier"},
    "replay.collapse_all": {"en": "Collapse all", "fr": "Tout replier"},
    "replay.plan": {
        "en": "Step {step} needs the steps before it: steps 1 to {last} run first.",
        "fr": "L'étape {step} a besoin des précédentes\u00a0: les étapes 1 à {last} sont lancées d'abord.",
    },
    "ex.not_sent": {"en": "Not sent yet:", "fr": "Pas encore envoyée\u00a0:"},
    "pace.legend": {"en": "Pace", "fr": "Rythme"},
    "pace.step": {"en": "Step by step", "fr": "Pas à pas"},
    "pace.slow": {"en": "Slow", "fr": "Lent"},
    "pace.normal": {"en": "Normal", "fr": "Normal"},
    "pace.instant": {"en": "Instant", "fr": "Immédiat"},
    "pace.next": {"en": "Next", "fr": "Suivant"},
    "pace.pause": {"en": "Pause", "fr": "Pause"},
    "pace.step_help": {
        "en": "Each press of Space or Next sends the request shown. Slow paces also slow the reading of pull "
              "progress, so its duration grows.",
        "fr": "Chaque appui sur Espace ou Suivant envoie la requête affichée. Aux rythmes lents, la lecture de la "
              "progression du pull ralentit aussi, et sa durée s'allonge d'autant.",
    },
    "pace.bad": {
        "en": "“{pace}” is not a pace. Choose step by step, slow, normal or instant.",
        "fr": "«\u00a0{pace}\u00a0» n'est pas un rythme. Choisissez pas à pas, lent, normal ou immédiat.",
    },
    # -- exports ------------------------------------------------------------------------------------------
    "export.legend": {"en": "Export:", "fr": "Exporter\u00a0:"},
    "export.har": {"en": "HAR file", "fr": "fichier HAR"},
    "export.sh": {"en": "bash script (curl)", "fr": "script bash (curl)"},
    "export.har.comment": {
        "en": "docker run hello-world replayed by hellotrace: {sequence}.",
        "fr": "docker run hello-world rejoué par hellotrace\u00a0: {sequence}.",
    },
    "export.sh.comment": {
        "en": "docker run hello-world as replayed by hellotrace ({sequence}), as curl commands.\n"
              "The daemon comes from DOCKER_HOST, as for the docker CLI: unix:///path/to/docker.sock, or\n"
              "tcp://host:port with an optional base path (a hellotrace sandbox: tcp://127.0.0.1:2375/sandboxes/…).\n"
              "Without DOCKER_HOST: unix:///var/run/docker.sock. Run it with: bash this-file.sh",
        "fr": "docker run hello-world tel que rejoué par hellotrace ({sequence}), en commandes curl.\n"
              "Le démon vient de DOCKER_HOST, comme pour la CLI docker\u00a0: unix:///chemin/vers/docker.sock, ou\n"
              "tcp://hôte:port avec un éventuel chemin de base (un bac à sable hellotrace\u00a0: "
              "tcp://127.0.0.1:2375/sandboxes/…).\n"
              "Sans DOCKER_HOST\u00a0: unix:///var/run/docker.sock. À lancer avec\u00a0: bash ce-fichier.sh",
    },
    # -- trace page: HAR import ---------------------------------------------------------------------------
    "trace.import.intro": {
        "en": "Open a HAR file (from hellotrace's exports, a browser's network panel or an HTTP debugger) to see "
              "its exchanges on the stage: the sequence diagram, then each request and response.",
        "fr": "Ouvrez un fichier HAR (exporté par hellotrace, par l'onglet Réseau d'un navigateur ou par un "
              "débogueur HTTP) pour voir ses échanges en scène\u00a0: le diagramme de séquence, puis chaque requête "
              "et sa réponse.",
    },
    "trace.import.title": {"en": "Open a HAR file", "fr": "Ouvrir un fichier HAR"},
    "trace.import.label": {"en": "HAR file", "fr": "Fichier HAR"},
    "trace.import.submit": {"en": "Show it", "fr": "L'afficher"},
    "trace.import.help": {
        "en": "HAR 1.2 (or 1.1), {limit} at most. The file is only read to draw this page; nothing is kept.",
        "fr": "HAR 1.2 (ou 1.1), {limit} au plus. Le fichier sert seulement à dessiner cette page\u00a0; rien n'est "
              "conservé.",
    },
    "trace.import.shown": {
        "en": "{name}: {count} exchanges",
        "fr": "{name}\u00a0: {count}\u00a0échanges",
    },
    "trace.import.rebuilt": {
        "en": "Request and response heads are rebuilt from the headers the file lists.",
        "fr": "Les en-têtes des requêtes et des réponses sont reconstitués à partir de ceux que liste le fichier.",
    },
    "trace.import.creator": {"en": "Written by {creator}.", "fr": "Écrit par {creator}."},
    "har.error.nothing_changed": {
        "en": "Nothing was changed. Choose another file, for instance the HAR export of the replay page.",
        "fr": "Rien n'a été modifié. Choisissez un autre fichier, par exemple l'export HAR de la page de rejeu.",
    },
    "har.error.no-file": {
        "en": "No file was sent: choose a HAR file first.",
        "fr": "Aucun fichier n'a été envoyé\u00a0: choisissez d'abord un fichier HAR.",
    },
    "har.error.empty": {"en": "{name} is empty.", "fr": "{name} est vide."},
    "har.error.too-big": {
        "en": "The file is too big ({size}): files up to {limit} are accepted.",
        "fr": "Le fichier est trop gros ({size})\u00a0: la limite est de {limit}.",
    },
    "har.error.not-json": {
        "en": "{name} is not JSON text, so it cannot be a HAR file.",
        "fr": "{name} n'est pas du texte JSON, ce ne peut donc pas être un fichier HAR.",
    },
    "har.error.not-har": {
        "en": "{name} is JSON but not HAR: it has no log with a list of entries.",
        "fr": "{name} est bien du JSON, mais pas du HAR\u00a0: il n'a pas de log contenant une liste d'entrées.",
    },
    "har.error.version": {
        "en": "{name} says it is HAR version {version}; only versions 1.x can be read.",
        "fr": "{name} se déclare en version HAR {version}\u00a0; seules les versions 1.x sont lues.",
    },
    "har.error.too-many": {
        "en": "{name} holds {count} exchanges; at most {limit} can be shown.",
        "fr": "{name} contient {count}\u00a0échanges\u00a0; {limit} au plus peuvent être affichés.",
    },
    "har.error.bad-entry": {
        "en": "Entry {n} of {name} is malformed (a request or response field is missing or of the wrong type).",
        "fr": "L'entrée {n} de {name} est mal formée (un champ de requête ou de réponse manque ou n'a pas le "
              "bon type).",
    },
    # -- exchange cards --------------------------------------------------------------------------------
    "ex.curl": {"en": "curl", "fr": "curl"},
    "ex.copy": {"en": "Copy", "fr": "Copier"},
    "ex.copied": {"en": "Copied", "fr": "Copié"},
    "ex.request": {"en": "Request as sent", "fr": "Requête telle qu'envoyée"},
    "ex.response": {"en": "Response as received", "fr": "Réponse telle que reçue"},
    "ex.no_response": {"en": "(no response)", "fr": "(pas de réponse)"},
    "ex.waiting": {"en": "waiting for the answer…", "fr": "en attente de la réponse…"},
    "ex.duration": {"en": "{ms} ms", "fr": "{ms}\u00a0ms"},
    "ex.response_body": {"en": "Response body", "fr": "Corps de la réponse"},
    "ex.pretty": {"en": "Pretty", "fr": "Lisible"},
    "ex.raw": {"en": "Raw", "fr": "Brut"},
    "ex.progress": {"en": "Pull progress, line by line", "fr": "Progression du pull, ligne par ligne"},
    "ex.frames": {
        "en": "Frames (8-byte header, then payload)",
        "fr": "Trames (en-tête de 8\u00a0octets, puis contenu)",
    },
    "ex.frame": {
        "en": "stream {stream} ({name}), length {length}",
        "fr": "flux {stream} ({name}), longueur {length}",
    },
    "ex.terminal": {"en": "As your terminal shows it", "fr": "Tel que votre terminal l'affiche"},
    "ex.continued": {
        "en": "Continued from step 3: this connection was opened there, before start.",
        "fr": "Suite de l'étape 3\u00a0: cette connexion a été ouverte là-bas, avant start.",
    },
    "ex.truncated": {"en": "(truncated: {size} bytes in all)", "fr": "(tronqué\u00a0: {size}\u00a0octets au total)"},
    "ex.no_body": {"en": "(no body)", "fr": "(pas de corps)"},
    "ex.connection": {"en": "connection #{n}", "fr": "connexion n°\u00a0{n}"},
    # -- notes -------------------------------------------------------------------------------------------
    "note.negotiated": {
        "en": "The daemon advertises API {server}; the client will use /v{version}/ in front of every path.",
        "fr": "Le démon annonce l'API {server}\u00a0; le client mettra /v{version}/ devant chaque chemin.",
    },
    "note.daemon-version": {
        "en": "Daemon: {platform}, version {version}.",
        "fr": "Démon\u00a0: {platform}, version {version}.",
    },
    "note.image-missing": {
        "en": "404: “{message}”. This is what triggers the pull.",
        "fr": "404\u00a0: «\u00a0{message}\u00a0». C'est ce qui déclenche le pull.",
    },
    "note.image-present": {
        "en": "The image is already there: create succeeded at once, so there is no pull (this is what a second "
              "docker run does). Use Reset to see the pull again.",
        "fr": "L'image est déjà là\u00a0: la création a réussi du premier coup, donc pas de pull (c'est ce que fait "
              "un second docker run). Réinitialisez pour revoir le pull.",
    },
    "note.pulled": {
        "en": "The image is now in the daemon's store.",
        "fr": "L'image est maintenant dans le stockage du démon.",
    },
    "note.created": {"en": "Container {id:.12} created.", "fr": "Conteneur {id:.12} créé."},
    "note.started": {"en": "Container {id:.12} started.", "fr": "Conteneur {id:.12} démarré."},
    "note.exited": {
        "en": "The container exited with status {code}.",
        "fr": "Le conteneur s'est terminé avec le code {code}.",
    },
    # -- failures, explained -----------------------------------------------------------------------------
    "note.contact-failed": {
        "en": "The client could not talk to the daemon.",
        "fr": "Le client n'a pas pu joindre le démon.",
    },
    "note.unexpected-answer": {
        "en": "The daemon gave an answer the client did not expect ({label}: {status}). {message}",
        "fr": "Le démon a donné une réponse inattendue ({label}\u00a0: {status}). {message}",
    },
    "note.transport-error": {"en": "The call did not complete.", "fr": "L'appel n'a pas abouti."},
    "note.pull-failed": {
        "en": "The pull failed: {message}. A real daemon needs its registry (or a mirror); an offline machine "
              "cannot pull.",
        "fr": "Le pull a échoué\u00a0: {message}. Un vrai démon a besoin de son registre (ou d'un miroir)\u00a0; une "
              "machine hors ligne ne peut pas télécharger d'image.",
    },
    "note.timeout": {
        "en": "The container's output or exit status did not come back in time.",
        "fr": "La sortie ou le code de sortie du conteneur ne sont pas revenus à temps.",
    },
    "note.internal-error": {
        "en": "hellotrace itself failed during this step ({detail}). Please report it.",
        "fr": "hellotrace lui-même a échoué pendant cette étape ({detail}). Merci de le signaler.",
    },
    "error.raw": {"en": "Raw error", "fr": "Erreur brute"},
    "error.stream_cut": {
        "en": "The daemon closed the connection in the middle of its answer; what had arrived is shown above. "
              "This happens when the daemon stops or restarts: run the step again.",
        "fr": "Le démon a fermé la connexion au milieu de sa réponse\u00a0; ce qui était arrivé est affiché "
              "plus haut. Cela arrive quand le démon s'arrête ou redémarre\u00a0: relancez l'étape.",
    },
    "note.pull-cut": {
        "en": "The daemon closed the connection during the pull: the progress stream stopped halfway.",
        "fr": "Le démon a fermé la connexion pendant le pull\u00a0: le flux de progression s'est arrêté en "
              "cours de route.",
    },
    "engine.restarted": {
        "en": "The mock engine stopped and hellotrace restarted it: your sandbox is new and empty, so the replay "
              "starts over. Your DOCKER_HOST has not changed.",
        "fr": "Le moteur simulé s'est arrêté et hellotrace l'a redémarré\u00a0: votre bac à sable est neuf et "
              "vide, le rejeu repart donc de zéro. Votre DOCKER_HOST n'a pas changé.",
    },
    "error.socket_missing": {
        "en": "The daemon's socket does not exist: is the daemon running? Start it, or point hellotrace at "
              "another address with --daemon.",
        "fr": "La socket du démon n'existe pas\u00a0: le démon tourne-t-il\u00a0? Démarrez-le, ou indiquez une autre "
              "adresse à hellotrace avec --daemon.",
    },
    "error.connection_refused": {
        "en": "Nothing accepts connections at that address: the daemon is not running there, or listens elsewhere.",
        "fr": "Rien n'accepte de connexion à cette adresse\u00a0: le démon n'y tourne pas, ou écoute ailleurs.",
    },
    "error.permission_denied": {
        "en": "Permission denied on the socket. The Docker socket belongs to root and the docker group; being in "
              "that group is equivalent to being root on the host.",
        "fr": "Permission refusée sur la socket. La socket Docker appartient à root et au groupe docker\u00a0; faire "
              "partie de ce groupe équivaut à être root sur la machine.",
    },
    "error.host_unknown": {
        "en": "The daemon's host name does not resolve.",
        "fr": "Le nom d'hôte du démon ne peut pas être résolu.",
    },
    "error.timeout": {
        "en": "The daemon took too long to answer.",
        "fr": "Le démon a mis trop de temps à répondre.",
    },
    "error.api_version": {
        "en": "The daemon's API version is refused: clients need at least API 1.40.",
        "fr": "La version d'API du démon est refusée\u00a0: il faut au moins l'API 1.40 côté client.",
    },
    "error.not_http": {
        "en": "Something answered, but not in HTTP: is this really a Docker daemon?",
        "fr": "Quelque chose a répondu, mais pas en HTTP\u00a0: est-ce vraiment un démon Docker\u00a0?",
    },
    "error.not_dialable": {
        "en": "hellotrace cannot dial this kind of address.",
        "fr": "hellotrace ne sait pas joindre ce type d'adresse.",
    },
    "error.refused": {
        "en": "hellotrace did not send this call. With a real daemon it only sends what the lessons need: a "
              "Docker socket is root on its host.",
        "fr": "hellotrace n'a pas envoyé cet appel. Face à un vrai démon, il n'envoie que ce dont les leçons ont "
              "besoin\u00a0: une socket Docker donne les droits root sur sa machine.",
    },
    "policy.route": {
        "en": "{detail} is not one of the calls the lessons use.",
        "fr": "{detail} ne fait pas partie des appels qu'utilisent les leçons.",
    },
    "policy.import": {
        "en": "Importing an image (fromSrc) is not used by the lessons.",
        "fr": "L'import d'une image (fromSrc) ne sert dans aucune leçon.",
    },
    "policy.all-tags": {
        "en": "Pulling every tag of {detail} is not allowed: name a tag.",
        "fr": "Télécharger tous les tags de {detail} n'est pas permis\u00a0: précisez un tag.",
    },
    "policy.image": {
        "en": "The image {detail} is not in the list hellotrace may use with a real daemon.",
        "fr": "L'image {detail} ne fait pas partie de celles que hellotrace peut utiliser avec un vrai démon.",
    },
    "policy.list-unfiltered": {
        "en": "Listing every container of the host is not allowed: only hellotrace's own (label {detail}).",
        "fr": "Lister tous les conteneurs de la machine n'est pas permis\u00a0: seulement ceux de hellotrace "
              "(étiquette {detail}).",
    },
    "policy.list-images-unfiltered": {
        "en": "Listing every image of the host is not allowed: name the images with a reference filter "
              "({detail}), for example docker images hello-world.",
        "fr": "Lister toutes les images de la machine n'est pas permis\u00a0: nommez-les avec un filtre reference "
              "({detail}), par exemple docker images hello-world.",
    },
    "policy.filters": {
        "en": "The filters parameter is not one the daemon reads ({detail}): it expects JSON such as "
              "{{\"label\":{{\"org.hellotrace.replay\":true}}}}.",
        "fr": "Le paramètre filters n'est pas lisible par le démon ({detail})\u00a0: il attend du JSON comme "
              "{{\"label\":{{\"org.hellotrace.replay\":true}}}}.",
    },
    "policy.target": {
        "en": "The path {detail} is not written plainly (escapes, empty or dot segments): the daemon could read it "
              "otherwise than hellotrace does.",
        "fr": "Le chemin {detail} n'est pas écrit simplement (échappements, segments vides ou points)\u00a0: le démon "
              "pourrait le lire autrement que hellotrace.",
    },
    "policy.api-version": {
        "en": "API version {detail} is not one hellotrace sends to a real daemon: it must be 1.N, from 1.24 on "
              "(older versions still let start change a container's host settings).",
        "fr": "La version d'API {detail} n'est pas de celles que hellotrace envoie à un vrai démon\u00a0: elle doit "
              "s'écrire 1.N, à partir de 1.24 (les plus anciennes laissent encore start modifier les réglages "
              "hôte d'un conteneur).",
    },
    "policy.body": {
        "en": "{detail} takes no body: only container creation does, and its body is checked.",
        "fr": "{detail} ne prend pas de corps\u00a0: seule la création de conteneur en a un, et il est vérifié.",
    },
    "policy.query": {
        "en": "The query {detail} is not one Go reads without error (a ; or a bad % escape).",
        "fr": "La requête {detail} n'est pas lisible sans erreur par Go (un ; ou un échappement % invalide).",
    },
    "policy.header": {
        "en": "The header {detail} changes how the daemon reads the request: the client writes it itself.",
        "fr": "L'en-tête {detail} change la façon dont le démon lit la requête\u00a0: le client l'écrit lui-même.",
    },
    "policy.form-body": {
        "en": "A form body ({detail}) is read by the daemon as query parameters: refused.",
        "fr": "Un corps de formulaire ({detail}) est lu par le démon comme des paramètres de requête\u00a0: refusé.",
    },
    "policy.not-ours": {
        "en": "Container {detail} was not created by hellotrace: it is left alone.",
        "fr": "Le conteneur {detail} n'a pas été créé par hellotrace\u00a0: on n'y touche pas.",
    },
    "policy.stdin": {
        "en": "Attaching to a container's standard input is not allowed.",
        "fr": "S'attacher à l'entrée standard d'un conteneur n'est pas permis.",
    },
    "policy.create-body": {
        "en": "The container configuration is not a JSON object ({detail}).",
        "fr": "La configuration du conteneur n'est pas un objet JSON ({detail}).",
    },
    "policy.create-key": {
        "en": "The setting {detail} is not needed by the lessons and is refused.",
        "fr": "Le paramètre {detail} ne sert pas aux leçons\u00a0: il est refusé.",
    },
    "policy.create-label": {
        "en": "Containers created through hellotrace must carry its label {detail}.",
        "fr": "Les conteneurs créés par hellotrace doivent porter son étiquette {detail}.",
    },
    "policy.host-config": {
        "en": "The host setting {detail} could give the container power over the host: refused.",
        "fr": "Le réglage {detail} pourrait donner au conteneur du pouvoir sur la machine hôte\u00a0: refusé.",
    },
    "replay.daemon.real_note": {
        "en": "With a real daemon, the pull comes from a real registry (or its mirror) and the container really "
              "runs. hellotrace sends only the calls the lessons need, labels its containers and removes them "
              "on Reset and when it stops. Reset removes the hello-world image for everyone using this daemon.",
        "fr": "Avec un vrai démon, le pull vient d'un vrai registre (ou de son miroir) et le conteneur tourne "
              "réellement. hellotrace n'envoie que les appels utiles aux leçons, étiquette ses conteneurs et les "
              "supprime à la réinitialisation et à son arrêt. La réinitialisation supprime l'image hello-world "
              "pour tous ceux qui utilisent ce démon.",
    },
    "note.pull-rate-limited": {
        "en": "The registry refused the pull: too many pulls from this address (Docker Hub's rate limit). "
              "Wait, log in, or use a mirror. {message}",
        "fr": "Le registre a refusé le pull\u00a0: trop de téléchargements depuis cette adresse (la limite de "
              "Docker Hub). Patientez, connectez-vous ou utilisez un miroir. {message}",
    },
    "error.other": {
        "en": "The connection to the daemon failed.",
        "fr": "La connexion au démon a échoué.",
    },
    # -- lessons -----------------------------------------------------------------------------------------
    "lessons.title": {"en": "Lessons", "fr": "Leçons"},
    "lessons.intro": {
        "en": "The client, its configuration, the daemon's sockets and the Engine API, one step at a time. The "
              "examples are written for Docker on its usual socket, /var/run/docker.sock; the box below says where "
              "to send them from your own terminal, and single requests also run right on the page. Each lesson "
              "ends with a short self-check.",
        "fr": "Le client, sa configuration, les sockets du démon et l'API Engine, pas à pas. Les exemples sont "
              "écrits pour un Docker installé, sur sa socket habituelle /var/run/docker.sock\u00a0; l'encadré "
              "ci-dessous indique où les envoyer depuis votre propre terminal, et les requêtes isolées se lancent "
              "aussi directement dans la page. Chaque leçon se termine par un court questionnaire.",
    },
    "lessons.number": {"en": "Lesson {n}", "fr": "Leçon {n}"},
    "lessons.replay_step": {"en": "Replay step {n}", "fr": "Étape {n} du rejeu"},
    "lessons.see_replay": {
        "en": "See it live in the replay, step {n}: {title}",
        "fr": "À voir en direct dans le rejeu, étape {n}\u00a0: {title}",
    },
    "lessons.breadcrumb": {"en": "Where you are", "fr": "Vous êtes ici"},
    "lessons.all": {"en": "All lessons", "fr": "Toutes les leçons"},
    "lessons.toc": {"en": "On this page", "fr": "Sur cette page"},
    "lessons.pager": {"en": "Previous and next lessons", "fr": "Leçons précédente et suivante"},
    "lessons.previous": {"en": "Previous", "fr": "Précédente"},
    "lessons.next": {"en": "Next", "fr": "Suivante"},
    "lessons.permalink": {"en": "Link to this section", "fr": "Lien vers cette section"},
    # The box that says where the reader's terminal sends the lessons' commands, and each command's version.
    "sandbox.title": {
        "en": "Run the examples against your own sandbox",
        "fr": "Lancez les exemples dans votre propre bac à sable",
    },
    "sandbox.title.real": {
        "en": "Run the examples against this site's Docker daemon",
        "fr": "Lancez les exemples sur le démon Docker du site",
    },
    "sandbox.intro": {
        "en": "The lessons' commands are written for Docker on its usual socket, /var/run/docker.sock: with Docker "
              "installed, they run as written. Without it, use your own sandbox in hellotrace's mock daemon, the "
              "one the replay and the Try it buttons use.",
        "fr": "Les commandes des leçons sont écrites pour un Docker installé, sur sa socket habituelle "
              "/var/run/docker.sock\u00a0: sur une telle machine, elles fonctionnent telles quelles. Sans Docker, "
              "utilisez votre propre bac à sable dans le démon simulé de hellotrace, celui du rejeu et des boutons "
              "«\u00a0Essayer\u00a0».",
    },
    "sandbox.intro.real": {
        "en": "This site talks to a real Docker daemon, not to sandboxes: the examples you run from your terminal "
              "go to that daemon, and the containers and images they create are real. hellotrace's safeguards only "
              "cover the calls the site itself sends.",
        "fr": "Ce site parle à un vrai démon Docker, pas à des bacs à sable\u00a0: les exemples que vous lancez "
              "depuis votre terminal vont à ce démon, et les conteneurs et images qu'ils créent sont bien réels. "
              "Les garde-fous de hellotrace ne couvrent que les appels envoyés par le site lui-même.",
    },
    "sandbox.docker": {
        "en": "docker commands: set DOCKER_HOST once in your terminal.",
        "fr": "Commandes docker\u00a0: définissez DOCKER_HOST une fois dans votre terminal.",
    },
    "sandbox.curl": {
        "en": "curl commands: put your sandbox's address where a lesson names the Unix socket and localhost. Every "
              "curl example also comes in that form, under “For your sandbox”.",
        "fr": "Commandes curl\u00a0: mettez l'adresse de votre bac à sable là où une leçon indique la socket Unix et "
              "localhost. Chaque exemple curl existe aussi sous cette forme, sous «\u00a0Pour votre bac à "
              "sable\u00a0».",
    },
    "sandbox.curl.real": {
        "en": "curl commands: put the daemon's address where a lesson names the Unix socket and localhost. Every "
              "curl example also comes in that form, under “For this daemon”.",
        "fr": "Commandes curl\u00a0: mettez l'adresse du démon là où une leçon indique la socket Unix et "
              "localhost. Chaque exemple curl existe aussi sous cette forme, sous «\u00a0Pour ce démon\u00a0».",
    },
    "sandbox.curl.same": {
        "en": "curl commands: this daemon listens on the lessons' own socket, so they run as written.",
        "fr": "Commandes curl\u00a0: ce démon écoute sur la socket même des leçons, elles fonctionnent donc "
              "telles quelles.",
    },
    "sandbox.curl.none": {
        "en": "curl commands: plain curl cannot reach this daemon's address (SSH, TLS or a named pipe); use the "
              "docker commands.",
        "fr": "Commandes curl\u00a0: curl seul ne sait pas joindre l'adresse de ce démon (SSH, TLS ou tube "
              "nommé)\u00a0; utilisez les commandes docker.",
    },
    "sandbox.in_lessons": {"en": "In the lessons", "fr": "Dans les leçons"},
    "sandbox.yours": {"en": "For your sandbox", "fr": "Pour votre bac à sable"},
    "sandbox.yours.real": {"en": "For this daemon", "fr": "Pour ce démon"},
    "sandbox.example": {"en": "For example:", "fr": "Par exemple\u00a0:"},
    "sandbox.unix_only": {
        "en": "This example has no TCP version: it shows how curl reads a URL when it goes through a Unix socket, "
              "which a TCP address cannot reproduce.",
        "fr": "Cet exemple n'a pas d'équivalent en TCP\u00a0: il montre comment curl lit une URL quand il passe par "
              "une socket Unix, ce qu'une adresse TCP ne peut pas reproduire.",
    },
    "replay.lessons": {"en": "Explained in:", "fr": "Expliqué dans\u00a0:"},
    "quiz.title": {"en": "Check your understanding", "fr": "Vérifiez vos acquis"},
    "quiz.intro": {
        "en": "Answer each question, then check it: the explanation comes with the verdict.",
        "fr": "Répondez à chaque question, puis vérifiez\u00a0: l'explication accompagne le verdict.",
    },
    "quiz.your_answer": {"en": "Your answer", "fr": "Votre réponse"},
    "quiz.check": {"en": "Check", "fr": "Vérifier"},
    "quiz.right": {"en": "Correct.", "fr": "Exact."},
    "quiz.wrong": {"en": "Not quite.", "fr": "Pas tout à fait."},
    "quiz.try_again": {
        "en": "Read the hint, then try again: the explanation comes after your second answer.",
        "fr": "Lisez l'indice, puis réessayez\u00a0: l'explication viendra après votre deuxième réponse.",
    },
    "quiz.hint": {"en": "Hint:", "fr": "Indice\u00a0:"},
    "course.print": {"en": "Print this page", "fr": "Imprimer cette page"},
    "nav.course": {"en": "Course", "fr": "Cours"},
    "nav.teacher": {"en": "Teacher's guide", "fr": "Guide de l'enseignant"},
    "nav.glossary": {"en": "Glossary", "fr": "Glossaire"},
    "nav.cheatsheet": {"en": "Cheat sheet", "fr": "Aide-mémoire"},
    "glossary.title": {"en": "Glossary", "fr": "Glossaire"},
    "glossary.intro": {
        "en": "Every term the lessons use, in a few words. In a lesson, the first use of each term links here.",
        "fr": "Tous les termes qu'emploient les leçons, en quelques mots. Dans une leçon, la première occurrence de "
              "chaque terme renvoie ici.",
    },
    "glossary.index": {"en": "Terms", "fr": "Termes"},
    "figure.caption.cli": {
        "en": "Step {n}, “{title}”: what the docker CLI sends, as the replay draws it (sequence “What the docker CLI "
              "really sends”). {{id}} stands for the container's ID.",
        "fr": "Étape {n}, «\u00a0{title}\u00a0»\u00a0: ce qu'envoie la CLI docker, tel que le rejeu le dessine "
              "(séquence «\u00a0Ce qu'envoie vraiment la CLI docker\u00a0»). {{id}} tient la place de "
              "l'identifiant du conteneur.",
    },
    "figure.caption.recipe": {
        "en": "Step {n}, “{title}”: the curl recipe's calls, as the replay draws them. {{id}} stands for the "
              "container's ID.",
        "fr": "Étape {n}, «\u00a0{title}\u00a0»\u00a0: les appels de la recette curl, tels que le rejeu les "
              "dessine. {{id}} tient la place de l'identifiant du conteneur.",
    },
    "arch.title": {
        "en": "Who talks to whom when you type a docker command",
        "fr": "Qui parle à qui quand vous tapez une commande docker",
    },
    "arch.desc": {
        "en": "You type a command; the docker CLI reads its configuration (config.json, DOCKER_HOST, the current "
              "context), then sends HTTP requests through the daemon's socket, /var/run/docker.sock by default. "
              "The daemon, dockerd, answers through the Engine API; it pulls images from the registry itself, "
              "and hands the running of containers to containerd, which has runc create the container's process.",
        "fr": "Vous tapez une commande\u00a0; la CLI docker lit sa configuration (config.json, DOCKER_HOST, le "
              "contexte courant), puis envoie des requêtes HTTP par la socket du démon, /var/run/docker.sock par "
              "défaut. Le démon, dockerd, répond par l'API Engine\u00a0; il télécharge lui-même les images depuis "
              "le registre, et confie l'exécution des conteneurs à containerd, qui fait créer le processus du "
              "conteneur par runc.",
    },
    "arch.caption": {
        "en": "The architecture of a docker command. hellotrace shows the shaded part: the HTTP exchanges between "
              "the client and the daemon.",
        "fr": "L'architecture d'une commande docker. hellotrace montre la partie grisée\u00a0: les échanges HTTP "
              "entre le client et le démon.",
    },
    "arch.shown": {"en": "what hellotrace shows", "fr": "ce que montre hellotrace"},
    "arch.user": {"en": "You", "fr": "Vous"},
    "arch.user.detail": {"en": "a terminal", "fr": "un terminal"},
    "arch.cli": {"en": "CLI", "fr": "CLI"},
    "arch.socket": {"en": "socket", "fr": "socket"},
    "arch.daemon": {"en": "daemon", "fr": "démon"},
    "arch.registry": {"en": "registry", "fr": "registre"},
    "arch.config": {"en": "its configuration", "fr": "sa configuration"},
    "arch.containerd.detail": {"en": "life cycle", "fr": "cycle de vie"},
    "arch.runc.detail": {"en": "creates the process", "fr": "crée le processus"},
    "arch.container": {"en": "container", "fr": "conteneur"},
    "arch.edge.command": {"en": "command", "fr": "commande"},
    "arch.edge.pull": {"en": "pull", "fr": "pull"},
    "arch.edge.reads": {"en": "reads", "fr": "lit"},
    "arch.edge.creates": {"en": "starts", "fr": "lance"},
    "arch.edge.runs": {"en": "runs", "fr": "exécute"},
    "arch.note": {
        "en": "The client never talks to the registry, containerd or runc: only to the daemon, through its socket.",
        "fr": "Le client ne parle jamais au registre, à containerd ni à runc\u00a0: seulement au démon, par sa socket.",
    },
    "nav.challenges": {"en": "Challenges", "fr": "Défis"},
    "challenges.title": {"en": "Challenges", "fr": "Défis"},
    "challenges.intro": {
        "en": "Open exercises to solve in your own terminal, with the docker CLI or curl, against your sandbox. "
              "The site checks each one from what your sandbox really received: no need to tell it what you did.",
        "fr": "Des exercices ouverts à résoudre dans votre propre terminal, avec la CLI docker ou curl, sur votre bac "
              "à sable. Le site vérifie chacun d'après ce que votre bac à sable a réellement reçu\u00a0: inutile de "
              "lui dire ce que vous avez fait.",
    },
    "challenges.count": {"en": "{solved} of {total} solved", "fr": "{solved} sur {total} résolus"},
    "challenges.sandbox": {"en": "Your sandbox", "fr": "Votre bac à sable"},
    "challenges.sandbox_help": {
        "en": "Paste these two lines in your terminal first: the docker CLI then talks to your sandbox, and $H is "
              "the same address written for curl (curl \"$H/v1.55/version\").",
        "fr": "Collez d'abord ces deux lignes dans votre terminal\u00a0: la CLI docker s'adresse alors à votre bac à "
              "sable, et $H est la même adresse écrite pour curl (curl \"$H/v1.55/version\").",
    },
    "challenges.untraced": {
        "en": "These challenges are checked from what a sandbox of hellotrace's mock engine receives. This site "
              "talks to a real daemon without recording it, so nothing can be checked here: start the site with "
              "the mock engine (the default), or give --trace-socket.",
        "fr": "Ces défis sont vérifiés d'après ce que reçoit un bac à sable du démon simulé de hellotrace. Ce site "
              "s'adresse à un vrai démon sans l'enregistrer\u00a0: rien ne peut donc être vérifié ici. Lancez le "
              "site avec le démon simulé (le choix par défaut), ou donnez --trace-socket.",
    },
    "challenges.lesson": {"en": "What you need is in:", "fr": "Ce qu'il faut savoir est dans\u00a0:"},
    "challenges.hint": {"en": "A hint", "fr": "Un indice"},
    "challenges.solution": {"en": "Show the solution", "fr": "Voir la solution"},
    "challenges.your_value": {"en": "The value you found", "fr": "La valeur trouvée"},
    "challenges.check": {"en": "Check my sandbox", "fr": "Vérifier mon bac à sable"},
    "challenges.solved": {"en": "Solved.", "fr": "Réussi."},
    "challenges.solved_badge": {"en": "solved", "fr": "réussi"},
    "challenges.proof": {"en": "Your sandbox received:", "fr": "Votre bac à sable a reçu\u00a0:"},
    "challenges.reason.nothing_yet": {
        "en": "Not yet: your sandbox has received nothing that does it. Check that DOCKER_HOST is your sandbox's, "
              "run your commands, then check again.",
        "fr": "Pas encore\u00a0: votre bac à sable n'a rien reçu qui le fasse. Vérifiez que DOCKER_HOST est bien "
              "celui de votre bac à sable, lancez vos commandes, puis vérifiez de nouveau.",
    },
    "challenges.reason.wrong_answer": {
        "en": "Your sandbox did receive the exercise, but that is not the value it shows. Look again at what "
              "your terminal printed.",
        "fr": "Votre bac à sable a bien reçu l'exercice, mais ce n'est pas la valeur qu'il montre. Regardez de "
              "nouveau ce qu'a affiché votre terminal.",
    },
    "challenges.reason.answer_needed": {
        "en": "This challenge also asks for the value you found: type it, then check again.",
        "fr": "Ce défi demande aussi la valeur que vous avez trouvée\u00a0: saisissez-la, puis vérifiez de nouveau.",
    },
    "challenges.reason.answer_too_long": {
        "en": "That value is too long (40 characters at most): type only the value asked for.",
        "fr": "Cette valeur est trop longue (40\u00a0caractères au plus)\u00a0: ne saisissez que la valeur demandée.",
    },
    "challenges.reason.untraced": {
        "en": "Nothing can be checked: this site does not record what its daemon receives.",
        "fr": "Rien ne peut être vérifié\u00a0: ce site n'enregistre pas ce que reçoit son démon.",
    },
    "glossary.used_in": {"en": "In the lessons:", "fr": "Dans les leçons\u00a0:"},
    "lessons.objectives": {
        "en": "By the end of this lesson you can:",
        "fr": "À la fin de cette leçon, vous saurez\u00a0:",
    },
    "lessons.prerequisites": {"en": "Read first:", "fr": "À lire avant\u00a0:"},
    "lessons.no_prerequisites": {"en": "No prerequisite: start here.", "fr": "Aucun prérequis\u00a0: commencez ici."},
    "lessons.duration": {
        "en": "About {total} min: {reading} of reading, {exercises} of exercises",
        "fr": "Environ {total}\u00a0min\u00a0: {reading} de lecture, {exercises} d'exercices",
    },
    "lessons.duration_short": {"en": "{total} min", "fr": "{total}\u00a0min"},
    "quiz.unknown_question": {
        "en": "This lesson has no question “{qid}”: answer the questions at the end of the page.",
        "fr": "Cette leçon n'a pas de question «\u00a0{qid}\u00a0»\u00a0: répondez aux questions en bas de la page.",
    },
    "quiz.missing": {
        "en": "No answer was sent: choose or type one, then check again.",
        "fr": "Aucune réponse n'a été envoyée\u00a0: choisissez-en une ou saisissez-la, puis vérifiez de nouveau.",
    },
    "quiz.invalid": {
        "en": "That answer is not one of the choices: pick one of the options above.",
        "fr": "Cette réponse ne fait pas partie des choix\u00a0: cochez l'une des options ci-dessus.",
    },
    "quiz.too_long": {
        "en": "That answer is too long: a few words are enough (200 characters at most).",
        "fr": "Cette réponse est trop longue\u00a0: quelques mots suffisent (200\u00a0caractères au plus).",
    },
    "try.button": {"en": "Try it", "fr": "Essayer"},
    "try.edit": {"en": "Edit the command", "fr": "Modifier la commande"},
    "try.command": {"en": "Command to send", "fr": "Commande à envoyer"},
    "try.hint": {
        "en": "sends this request {where}, the one the replay uses",
        "fr": "envoie cette requête {where}, celui du rejeu",
    },
    "try.hint.docker": {
        "en": "sends the request the docker CLI makes for this command (POST /images/create) {where}",
        "fr": "envoie la requête que fait la CLI docker pour cette commande (POST /images/create) {where}",
    },
    "try.where.sandbox": {"en": "to your own sandbox", "fr": "à votre bac à sable"},
    "try.where.real": {"en": "to the site's Docker daemon", "fr": "au démon Docker du site"},
    "try.same.sandbox": {
        "en": "The same sandbox from your terminal:",
        "fr": "Le même bac à sable depuis votre terminal\u00a0:",
    },
    "try.same.real": {"en": "The same daemon from your terminal:", "fr": "Le même démon depuis votre terminal\u00a0:"},
    "try.running": {"en": "Sending…", "fr": "Envoi…"},
    "try.sent": {
        "en": "hellotrace sent this request for you, {where} (with its own Host and User-Agent headers, not "
              "curl's). {same}",
        "fr": "hellotrace a envoyé cette requête pour vous, {where} (avec ses propres en-têtes Host et User-Agent, "
              "pas ceux de curl). {same}",
    },
    "try.sent.docker": {
        "en": "hellotrace sent for you, {where}, the request the docker CLI makes for this command: the image's "
              "full name in fromImage, the tag (latest when none is given) or the digest in tag, and "
              "X-Registry-Auth: e30=, "
              "that is {{}}: no credentials (Host and User-Agent are hellotrace's, not the CLI's). The CLI turns the "
              "JSON lines it gets back into its progress display, or, with -q, prints only the image's name. {same}",
        "fr": "hellotrace a envoyé pour vous, {where}, la requête que fait la CLI docker pour cette commande\u00a0: "
              "le nom complet de l'image dans fromImage, le tag (latest si aucun n'est donné) ou l'empreinte "
              "(digest) dans tag, et "
              "X-Registry-Auth: e30=, c'est-à-dire {{}}\u00a0: aucun identifiant (les en-têtes Host et User-Agent "
              "sont ceux de hellotrace, pas ceux de la CLI). La CLI transforme les lignes JSON reçues en affichage "
              "de progression, ou, avec -q, n'affiche que le nom de l'image. {same}",
    },
    "try.refused.too_long": {
        "en": "Not sent: the command is longer than {detail} characters. Shorten it and try again.",
        "fr": "Rien n'a été envoyé\u00a0: la commande dépasse {detail}\u00a0caractères. Raccourcissez-la, puis "
              "réessayez.",
    },
    "try.refused.empty": {
        "en": "Not sent: there is no command. Type a curl command, or reload the page to get the lesson's back.",
        "fr": "Rien n'a été envoyé\u00a0: la commande est vide. Saisissez une commande curl, ou rechargez la page "
              "pour retrouver celle de la leçon.",
    },
    "try.refused.several_commands": {
        "en": "Not sent: Try it sends one request, so keep a single curl command on a single line. Run longer "
              "scripts in your terminal.",
        "fr": "Rien n'a été envoyé\u00a0: «\u00a0Essayer\u00a0» n'envoie qu'une requête, gardez donc une seule "
              "commande curl, sur une seule ligne. Les scripts plus longs se lancent dans votre terminal.",
    },
    "try.refused.shell_expansion": {
        "en": "Not sent: “{detail}” asks a shell to substitute a value, and Try it never runs a shell. Write the "
              "value itself, or run the command in your terminal.",
        "fr": "Rien n'a été envoyé\u00a0: «\u00a0{detail}\u00a0» demande à un shell de substituer une valeur, et "
              "«\u00a0Essayer\u00a0» n'utilise jamais de shell. Écrivez la valeur elle-même, ou lancez la commande "
              "dans votre terminal.",
    },
    "try.refused.not_curl": {
        "en": "Not sent: only curl commands (and docker pull) can be tried here, and “{detail}” is neither. Run it "
              "in your terminal, with DOCKER_HOST set as the box at the top of the page shows.",
        "fr": "Rien n'a été envoyé\u00a0: seules les commandes curl (et docker pull) s'essaient ici, et "
              "«\u00a0{detail}\u00a0» n'est ni l'une ni l'autre. Lancez-la dans votre terminal, avec DOCKER_HOST "
              "réglé comme l'indique l'encadré en haut de la page.",
    },
    "try.refused.docker_command": {
        "en": "Not sent: the only docker command Try it sends is docker pull [-q] IMAGE[:TAG], as the request the "
              "CLI makes for it, and “{detail}” is another one. Run it in your terminal, with DOCKER_HOST set as "
              "the box at the top of the page shows.",
        "fr": "Rien n'a été envoyé\u00a0: la seule commande docker que «\u00a0Essayer\u00a0» envoie est docker "
              "pull [-q] IMAGE[:TAG], sous la forme de la requête que fait la CLI, et «\u00a0{detail}\u00a0» en est "
              "une autre. Lancez-la dans votre terminal, avec DOCKER_HOST réglé comme l'indique l'encadré en haut "
              "de la page.",
    },
    "try.refused.image_reference": {
        "en": "Not sent: “{detail}” is not an image name the docker CLI accepts (it would refuse it before sending "
              "anything). Write it like alpine, alpine:3.21 or busybox:1.36.1, in lowercase.",
        "fr": "Rien n'a été envoyé\u00a0: «\u00a0{detail}\u00a0» n'est pas un nom d'image que la CLI docker "
              "accepte (elle le refuserait avant d'envoyer quoi que ce soit). Écrivez-le comme alpine, alpine:3.21 "
              "ou busybox:1.36.1, en minuscules.",
    },
    "try.refused.unbalanced_quotes": {
        "en": "Not sent: a quote is never closed. Check the pairs of ' and \".",
        "fr": "Rien n'a été envoyé\u00a0: un guillemet n'est jamais refermé. Vérifiez les paires de ' et de \".",
    },
    "try.refused.shell_operator": {
        "en": "Not sent: “{detail}” is a shell operator (pipe, redirection or sequence), and Try it sends one "
              "request without a shell. Remove it, or run the command in your terminal.",
        "fr": "Rien n'a été envoyé\u00a0: «\u00a0{detail}\u00a0» est un opérateur du shell (tube, redirection ou "
              "enchaînement), et «\u00a0Essayer\u00a0» envoie une requête sans shell. Retirez-le, ou lancez la "
              "commande dans votre terminal.",
    },
    "try.refused.option": {
        "en": "Not sent: the option {detail} is not supported here. Try it understands the options the lessons "
              "use: -s, -S, -i, -I, -v, -X, -H, -d, -o, -w, -D, --output and --unix-socket.",
        "fr": "Rien n'a été envoyé\u00a0: l'option {detail} n'est pas prise en charge ici. «\u00a0Essayer\u00a0» "
              "comprend les options des leçons\u00a0: -s, -S, -i, -I, -v, -X, -H, -d, -o, -w, -D, --output et "
              "--unix-socket.",
    },
    "try.refused.missing_value": {
        "en": "Not sent: the option {detail} needs a value after it.",
        "fr": "Rien n'a été envoyé\u00a0: l'option {detail} attend une valeur juste après elle.",
    },
    "try.refused.method": {
        "en": "Not sent: “{detail}” is not a method Try it sends. Use GET, HEAD, POST, PUT or DELETE.",
        "fr": "Rien n'a été envoyé\u00a0: «\u00a0{detail}\u00a0» n'est pas une méthode que «\u00a0Essayer\u00a0» "
              "envoie. Utilisez GET, HEAD, POST, PUT ou DELETE.",
    },
    "try.refused.data_file": {
        "en": "Not sent: -d {detail} would read a file, and there is none here. Put the body itself in single "
              "quotes.",
        "fr": "Rien n'a été envoyé\u00a0: -d {detail} lirait un fichier, et il n'y en a pas ici. Mettez le corps "
              "lui-même entre apostrophes.",
    },
    "try.refused.socket": {
        "en": "Not sent: the command must name --unix-socket /var/run/docker.sock, as the lessons do; Try it "
              "then sends the request to your own sandbox instead.",
        "fr": "Rien n'a été envoyé\u00a0: la commande doit indiquer --unix-socket /var/run/docker.sock, comme "
              "dans les leçons\u00a0; «\u00a0Essayer\u00a0» envoie alors la requête à votre bac à sable.",
    },
    "try.refused.url_count": {
        "en": "Not sent: give exactly one URL, for example http://localhost/v1.55/version.",
        "fr": "Rien n'a été envoyé\u00a0: indiquez une URL et une seule, par exemple "
              "http://localhost/v1.55/version.",
    },
    "try.refused.headers": {
        "en": "Not sent: too many -H headers (10 at most).",
        "fr": "Rien n'a été envoyé\u00a0: trop d'en-têtes -H (10 au plus).",
    },
    "try.refused.body_too_big": {
        "en": "Not sent: the body is larger than {detail} bytes.",
        "fr": "Rien n'a été envoyé\u00a0: le corps dépasse {detail}\u00a0octets.",
    },
    "try.refused.head_conflict": {
        "en": "Not sent: -I sends a HEAD request, which cannot go with -d or another -X method. Keep one of them.",
        "fr": "Rien n'a été envoyé\u00a0: -I envoie une requête HEAD, incompatible avec -d ou une autre méthode "
              "-X. Gardez l'un des deux.",
    },
    "try.refused.body_with_get": {
        "en": "Not sent: a {detail} request does not carry a body. Remove -d, or choose POST with -X.",
        "fr": "Rien n'a été envoyé\u00a0: une requête {detail} ne porte pas de corps. Retirez -d, ou choisissez "
              "POST avec -X.",
    },
    "try.refused.header_form": {
        "en": "Not sent: the header “{detail}” should read -H 'Name: value'.",
        "fr": "Rien n'a été envoyé\u00a0: l'en-tête «\u00a0{detail}\u00a0» doit s'écrire -H 'Nom: valeur'.",
    },
    "try.refused.header_refused": {
        "en": "Not sent: the {detail} header belongs to the connection, which the client manages itself. Remove "
              "it. (Attach's HTTP Upgrade, with its 101 answer, is shown in steps 3 and 4 of the replay.)",
        "fr": "Rien n'a été envoyé\u00a0: l'en-tête {detail} concerne la connexion, que le client gère lui-même. "
              "Retirez-le. (L'Upgrade HTTP d'attach, avec sa réponse 101, se voit aux étapes 3 et 4 du rejeu.)",
    },
    "try.refused.url": {
        "en": "Not sent: the URL must start with http://localhost/ (over a Unix socket, the host name only fills "
              "in the Host header).",
        "fr": "Rien n'a été envoyé\u00a0: l'URL doit commencer par http://localhost/ (sur une socket Unix, le nom "
              "d'hôte ne sert qu'à remplir l'en-tête Host).",
    },
    "try.refused.single_slash": {
        "en": "Not sent: “{detail}” has a single slash after http:, so curl would read what follows as a host "
              "name and send an unversioned path. Write http://localhost/v1.55/… instead.",
        "fr": "Rien n'a été envoyé\u00a0: «\u00a0{detail}\u00a0» n'a qu'une barre oblique après http:, si bien que "
              "curl lirait la suite comme un nom d'hôte et enverrait un chemin sans version. Écrivez plutôt "
              "http://localhost/v1.55/…",
    },
    "try.refused.path": {
        "en": "Not sent: the path {detail} is not an Engine API call Try it sends. Use /_ping, or a path that "
              "starts with a version, such as /v1.55/version.",
        "fr": "Rien n'a été envoyé\u00a0: le chemin {detail} n'est pas un appel à l'API Engine que «\u00a0Essayer"
              "\u00a0» envoie. Utilisez /_ping, ou un chemin qui commence par une version, comme /v1.55/version.",
    },
    "try.refused.query": {
        "en": "Not sent: the query string holds characters Try it does not send. Keep to letters, digits, "
              "= & and %-escapes.",
        "fr": "Rien n'a été envoyé\u00a0: les paramètres de l'URL contiennent des caractères que «\u00a0Essayer"
              "\u00a0» n'envoie pas. Tenez-vous-en aux lettres, aux chiffres, à = & et aux échappements en %.",
    },
    "try.refused.real_daemon": {
        "en": "Not sent: this site talks to a real Docker daemon, which is root on its host, so it only receives "
              "the lessons' own commands. Edited commands run against hellotrace's mock daemon.",
        "fr": "Rien n'a été envoyé\u00a0: ce site parle à un vrai démon Docker, qui est root sur sa machine\u00a0; "
              "il ne reçoit donc que les commandes des leçons. Les commandes modifiées s'essaient avec le démon "
              "simulé de hellotrace.",
    },
    # -- client-configuration lab ----------------------------------------------------------------------
    "nav.lab": {"en": "Lab", "fr": "Labo"},
    "lab.tabs": {"en": "Lab pages", "fr": "Pages du labo"},
    "lab.tab.config": {"en": "Client configuration", "fr": "Configuration du client"},
    "lab.tab.host": {"en": "DOCKER_HOST and -H", "fr": "DOCKER_HOST et -H"},
    "lab.config.title": {"en": "Client configuration lab", "fr": "Labo\u00a0: la configuration du client"},
    "lab.config.intro": {
        "en": "Edit a config.json, set environment variables, type a docker command line: see which value each "
              "setting takes for docker CLI 28, which layer won (option > environment > config.json > default) "
              "and why. Everything is recomputed as you type.",
        "fr": "Modifiez un config.json, définissez des variables d'environnement, tapez une ligne de commande "
              "docker\u00a0: voyez quelle valeur prend chaque réglage pour la CLI docker 28, quelle couche l'emporte "
              "(option > environnement > config.json > valeur par défaut) et pourquoi. Tout est recalculé au fil de la "
              "saisie.",
    },
    "lab.input.config": {"en": "config.json", "fr": "config.json"},
    "lab.input.config_help": {
        "en": "Pre-filled with the article's sample, exactly as printed. Up to {limit} KiB.",
        "fr": "Prérempli avec l'exemple de l'article, tel qu'il a été publié. Jusqu'à {limit}\u00a0Kio.",
    },
    "lab.input.env": {"en": "Environment variables", "fr": "Variables d'environnement"},
    "lab.input.env_help": {
        "en": "An empty field is an unset variable, as for the CLI.",
        "fr": "Un champ vide équivaut à une variable absente, comme pour la CLI.",
    },
    "lab.input.command": {"en": "Command line", "fr": "Ligne de commande"},
    "lab.input.command_help": {
        "en": "Split like a shell does. NAME=value words in front set variables for this command only.",
        "fr": "Découpée comme le ferait un shell. Des mots NOM=valeur en tête définissent des variables pour cette "
              "seule commande.",
    },
    "lab.input.examples": {
        "en": "Ideas to try (each link reloads the page with the article's sample):",
        "fr": "Idées à essayer (chaque lien recharge la page avec l'exemple de l'article)\u00a0:",
    },
    "lab.fix": {"en": "Fix it", "fr": "Corriger"},
    "lab.reset": {"en": "Back to the article's sample", "fr": "Revenir à l'exemple de l'article"},
    "lab.update": {"en": "Update", "fr": "Mettre à jour"},
    "lab.too_large.config": {
        "en": "config.json is larger than {limit} KiB: the lab does not read it. Shorten it and try again.",
        "fr": "Le config.json dépasse {limit}\u00a0Kio\u00a0: le labo ne le lit pas. Raccourcissez-le, puis réessayez.",
    },
    "lab.too_large.command": {
        "en": "The command line is longer than {limit} characters: the lab does not read it. Shorten it.",
        "fr": "La ligne de commande dépasse {limit}\u00a0caractères\u00a0: le labo ne la lit pas. Raccourcissez-la.",
    },
    "lab.too_large.env": {
        "en": "{name} is longer than {limit} characters: the lab does not read the inputs. Shorten it.",
        "fr": "{name} dépasse {limit}\u00a0caractères\u00a0: le labo ne lit pas les entrées. Raccourcissez-la.",
    },
    "lab.too_large.host": {
        "en": "The address is longer than {limit} characters: shorten it.",
        "fr": "L'adresse dépasse {limit}\u00a0caractères\u00a0: raccourcissez-la.",
    },
    "lab.summary.ok": {
        "en": "The CLI reads everything and carries on.",
        "fr": "La CLI lit tout et poursuit son travail.",
    },
    "lab.summary.command_error": {
        "en": "The CLI refuses this command line before doing anything.",
        "fr": "La CLI refuse cette ligne de commande avant de faire quoi que ce soit.",
    },
    "lab.summary.stops": {
        "en": "The CLI stops before sending a single request.",
        "fr": "La CLI s'arrête avant d'envoyer la moindre requête.",
    },
    "lab.summary.stops_conditional": {
        "en": "On a machine like the lab's, the CLI would stop: see why below.",
        "fr": "Sur une machine comme celle du labo, la CLI s'arrêterait\u00a0: voyez pourquoi ci-dessous.",
    },
    "lab.summary.config_ignored": {
        "en": "config.json is not valid JSON (line {line}, column {column}): the CLI warns, then runs with no "
              "configuration at all.",
        "fr": "config.json n'est pas du JSON valide (ligne {line}, colonne {column})\u00a0: la CLI avertit, puis "
              "tourne sans aucune configuration.",
    },
    "lab.status.ok": {"en": "config.json: valid", "fr": "config.json\u00a0: valide"},
    "lab.status.empty": {
        "en": "config.json: empty, no configuration",
        "fr": "config.json\u00a0: vide, aucune configuration",
    },
    "lab.status.syntax_error": {
        "en": "config.json: not JSON, line {line}, column {column}",
        "fr": "config.json\u00a0: pas du JSON, ligne {line}, colonne {column}",
    },
    "lab.status.type_error": {
        "en": "config.json: wrong type, line {line}, column {column}",
        "fr": "config.json\u00a0: mauvais type, ligne {line}, colonne {column}",
    },
    "lab.status.not_object": {"en": "config.json: not a JSON object", "fr": "config.json\u00a0: pas un objet JSON"},
    "lab.status.auth_error": {
        "en": "config.json: unreadable credentials",
        "fr": "config.json\u00a0: identifiants illisibles",
    },
    "lab.status.not_read": {"en": "config.json: not read", "fr": "config.json\u00a0: non lu"},
    "lab.status.cli_stops": {"en": "the CLI stops", "fr": "la CLI s'arrête"},
    "lab.status.details": {"en": "Details ↓", "fr": "Détails ↓"},
    "lab.summary.config_not_object": {
        "en": "config.json is not a JSON object: the CLI warns, then runs with no configuration at all.",
        "fr": "config.json n'est pas un objet JSON\u00a0: la CLI avertit, puis tourne sans aucune configuration.",
    },
    "lab.summary.config_partial": {
        "en": "config.json has a wrong value: the CLI warns, and still uses the rest of the file.",
        "fr": "config.json contient une valeur du mauvais type\u00a0: la CLI avertit, et utilise quand même le reste "
              "du fichier.",
    },
    "lab.fix.title": {"en": "The corrected file", "fr": "Le fichier corrigé"},
    "lab.fix.intro": {
        "en": "The editor now holds the file the article meant to show. What changed, by line of the article's "
              "sample:",
        "fr": "L'éditeur contient maintenant le fichier que l'article voulait montrer. Ce qui a changé, par ligne "
              "de l'exemple de l'article\u00a0:",
    },
    "lab.fix.stack_orchestrator_removed": {
        "en": "line {line}: stackOrchestrator is gone — ignored since Docker 23.0, removed from the file's format "
              "in 24.0.",
        "fr": "ligne {line}\u00a0: stackOrchestrator disparaît — ignoré depuis Docker 23.0, retiré du format du "
              "fichier en 24.0.",
    },
    "lab.fix.plugins_siblings": {
        "en": "line {line}: plugin2 and proxies were inside plugin1; plugin2 now sits next to plugin1, and "
              "proxies at the top level.",
        "fr": "ligne {line}\u00a0: plugin2 et proxies se trouvaient dans plugin1\u00a0; plugin2 est maintenant à côté "
              "de plugin1, et proxies au premier niveau.",
    },
    "lab.fix.no_proxy_list": {
        "en": "line {line}: noProxy held a proxy URL; it is a comma-separated list of hosts, domains and CIDRs "
              "that bypass the proxy.",
        "fr": "ligne {line}\u00a0: noProxy contenait l'URL d'un proxy\u00a0; c'est une liste, séparée par des "
              "virgules, d'hôtes, de domaines et de CIDR qui ne passent pas par le proxy.",
    },
    "lab.fix.proxy_key_tcp": {
        "en": "line {line}: the per-daemon key is compared with the daemon address as the CLI writes it "
              "(tcp://host:port); an https:// key never matches.",
        "fr": "ligne {line}\u00a0: la clé propre à un démon est comparée à l'adresse du démon telle que la CLI l'écrit "
              "(tcp://host:port)\u00a0; une clé en https:// ne correspond jamais.",
    },
    "lab.fix.trailing_comma": {
        "en": "line {line}: the comma before the closing brace is gone (JSON allows no trailing comma).",
        "fr": "ligne {line}\u00a0: la virgule avant l'accolade fermante disparaît (JSON n'accepte pas de virgule "
              "finale).",
    },
    "lab.fix.closing_braces": {
        "en": "line {line}: the two missing closing braces are added.",
        "fr": "ligne {line}\u00a0: les deux accolades fermantes manquantes sont ajoutées.",
    },
    "lab.stderr.title": {"en": "What the docker CLI prints", "fr": "Ce qu'affiche la CLI docker"},
    "lab.stderr.none": {
        "en": "Nothing on stderr: no warning, no error.",
        "fr": "Rien sur la sortie d'erreur\u00a0: ni avertissement, ni erreur.",
    },
    "lab.stop.conditional": {
        "en": "The lab has no contexts and no certificate files; on your machine this depends on what exists there.",
        "fr": "Le labo n'a ni contextes ni fichiers de certificats\u00a0; sur votre machine, cela dépend de ce qui s'y "
              "trouve.",
    },
    "lab.stop.unknown_flag": {
        "en": "Exit status 125: this option does not exist at this place of the command line (global options go "
              "before the command).",
        "fr": "Code de sortie 125\u00a0: cette option n'existe pas à cet endroit de la ligne (les options globales se "
              "placent avant la commande).",
    },
    "lab.stop.missing_value": {
        "en": "Exit status 125: this option needs a value.",
        "fr": "Code de sortie 125\u00a0: cette option attend une valeur.",
    },
    "lab.stop.invalid_value": {
        "en": "Exit status 125: the value does not fit the option's type.",
        "fr": "Code de sortie 125\u00a0: la valeur ne convient pas au type de l'option.",
    },
    "lab.stop.unknown_command": {
        "en": "docker has no such command (nor a plugin by that name here).",
        "fr": "docker n'a pas cette commande (ni de greffon de ce nom ici).",
    },
    "lab.stop.wrong_arguments": {
        "en": "The command does not take this number of arguments.",
        "fr": "La commande n'accepte pas ce nombre d'arguments.",
    },
    "lab.stop.conflict": {
        "en": "--context and -H both choose the daemon: the CLI refuses to guess, before even reading config.json.",
        "fr": "--context et -H choisissent tous deux le démon\u00a0: la CLI refuse de deviner, avant même de lire "
              "config.json.",
    },
    "lab.stop.log_level": {
        "en": "--log-level takes panic, fatal, error, warn, info, debug or trace.",
        "fr": "--log-level accepte panic, fatal, error, warn, info, debug ou trace.",
    },
    "lab.stop.context_not_found": {
        "en": "A named context lives in the contexts folder of the configuration directory; without it the CLI "
              "cannot know the daemon's address.",
        "fr": "Un contexte nommé se trouve dans le dossier contexts du répertoire de configuration\u00a0; sans lui, la "
              "CLI ne peut pas connaître l'adresse du démon.",
    },
    "lab.stop.several_hosts": {
        "en": "The client talks to one daemon: -H may be given once (only dockerd accepts several).",
        "fr": "Le client parle à un seul démon\u00a0: -H ne peut être donné qu'une fois (seul dockerd en accepte "
              "plusieurs).",
    },
    "lab.stop.invalid_host": {
        "en": "The CLI cannot read this daemon address; the DOCKER_HOST tab explains every accepted form.",
        "fr": "La CLI ne sait pas lire cette adresse de démon\u00a0; l'onglet DOCKER_HOST explique toutes les formes "
              "acceptées.",
    },
    "lab.stop.fd_host": {
        "en": "fd:// is the daemon's side of systemd socket activation: the client has nothing to dial.",
        "fr": "fd:// est le côté démon de l'activation par socket de systemd\u00a0: le client n'a rien à joindre.",
    },
    "lab.stop.npipe_host": {
        "en": "Named pipes exist on Windows only: on Linux and macOS the CLI refuses npipe://.",
        "fr": "Les tubes nommés n'existent que sous Windows\u00a0: sous Linux et macOS, la CLI refuse npipe://.",
    },
    "lab.stop.tls_files": {
        "en": "With TLS on, the CLI loads ca.pem first (cert.pem and key.pem only if they exist); a missing CA "
              "file stops it.",
        "fr": "Avec TLS, la CLI charge d'abord ca.pem (cert.pem et key.pem seulement s'ils existent)\u00a0; sans le "
              "fichier de l'autorité de certification, elle s'arrête.",
    },
    "lab.stop.custom_headers": {
        "en": "DOCKER_CUSTOM_HEADERS must be comma-separated key=value pairs (CSV quoting allowed).",
        "fr": "DOCKER_CUSTOM_HEADERS doit être une liste de paires clé=valeur séparées par des virgules "
              "(guillemets à la CSV admis).",
    },
    "lab.stop.api_version": {
        "en": "An API version is <major>.<minor>, such as 1.41. The docker CLI checks it (from version 29 on) and "
              "sends nothing; older ones put the text into every path as is, which hellotrace never does.",
        "fr": "Une version d'API s'écrit <majeure>.<mineure>, par exemple 1.41. La CLI docker la vérifie (depuis sa "
              "version 29) et n'envoie rien\u00a0; les plus anciennes la recopiaient telle quelle dans chaque chemin, "
              "ce que hellotrace ne fait jamais.",
    },
    "lab.stop.invalid_header": {
        "en": "Go's HTTP client refuses to send a request with this header: every call fails, the ping included.",
        "fr": "Le client HTTP de Go refuse d'envoyer une requête avec cet en-tête\u00a0: chaque appel échoue, ping "
              "compris.",
    },
    "lab.command.title": {
        "en": "The command line, as the CLI reads it",
        "fr": "La ligne de commande, lue par la CLI",
    },
    "lab.command.empty": {
        "en": "No command typed: only the environment and config.json count.",
        "fr": "Aucune commande tapée\u00a0: seuls l'environnement et config.json comptent.",
    },
    "lab.command.assignment": {"en": "Variable for this command:", "fr": "Variable pour cette commande\u00a0:"},
    "lab.command.global": {"en": "Global option", "fr": "Option globale"},
    "lab.command.command": {"en": "Command", "fr": "Commande"},
    "lab.command.not_modelled": {
        "en": "a real command the lab does not detail; the global settings below still apply.",
        "fr": "une vraie commande que le labo ne détaille pas\u00a0; les réglages globaux ci-dessous s'appliquent "
              "quand même.",
    },
    "lab.command.no_command": {"en": "No command after the options.", "fr": "Aucune commande après les options."},
    "lab.command.no_request": {
        "en": "--help and --version print and exit: no request is sent.",
        "fr": "--help et --version affichent leur texte et s'arrêtent\u00a0: aucune requête n'est envoyée.",
    },
    "lab.command.option": {"en": "Option", "fr": "Option"},
    "lab.command.args": {"en": "Arguments:", "fr": "Arguments\u00a0:"},
    "lab.command.error.too_long": {"en": "The line is too long.", "fr": "La ligne est trop longue."},
    "lab.command.error.unbalanced_quotes": {
        "en": "A quote is not closed: a shell would wait for the rest of the line.",
        "fr": "Un guillemet n'est pas refermé\u00a0: un shell attendrait la suite de la ligne.",
    },
    "lab.command.error.not_docker": {
        "en": "The line should start with docker (optionally after NAME=value words).",
        "fr": "La ligne doit commencer par docker (éventuellement après des mots NOM=valeur).",
    },
    "lab.command.error.unknown_flag": {"en": "Unknown option.", "fr": "Option inconnue."},
    "lab.command.error.missing_value": {
        "en": "An option lacks its value.",
        "fr": "Une option n'a pas de valeur.",
    },
    "lab.command.error.invalid_value": {
        "en": "An option's value is invalid.",
        "fr": "La valeur d'une option est invalide.",
    },
    "lab.command.error.unknown_command": {"en": "Unknown command.", "fr": "Commande inconnue."},
    "lab.command.error.wrong_arguments": {"en": "Wrong number of arguments.", "fr": "Mauvais nombre d'arguments."},
    "lab.config.file_title": {
        "en": "config.json, as Go's decoder reads it",
        "fr": "config.json, lu par le décodeur de Go",
    },
    "lab.config.not_read": {
        "en": "Not read: the CLI stopped before loading it.",
        "fr": "Non lu\u00a0: la CLI s'est arrêtée avant de le charger.",
    },
    "lab.config.path": {"en": "Read from", "fr": "Lu depuis"},
    "lab.config.empty": {
        "en": "Empty: the CLI runs with no configuration, and says nothing.",
        "fr": "Vide\u00a0: la CLI tourne sans configuration, sans rien signaler.",
    },
    "lab.config.valid": {"en": "Valid: the CLI uses it.", "fr": "Valide\u00a0: la CLI l'utilise."},
    "lab.config.error.syntax_error": {"en": "Not JSON.", "fr": "Pas du JSON."},
    "lab.config.error.type_error": {"en": "A value of the wrong type.", "fr": "Une valeur du mauvais type."},
    "lab.config.error.not_object": {"en": "Not a JSON object.", "fr": "Pas un objet JSON."},
    "lab.config.error.auth_error": {"en": "Unreadable credentials.", "fr": "Identifiants illisibles."},
    "lab.config.where": {"en": "Line {line}, column {column}.", "fr": "Ligne {line}, colonne {column}."},
    "lab.config.line": {"en": "line {line}", "fr": "ligne {line}"},
    "lab.config.reason": {"en": "Go's reason:", "fr": "La raison donnée par Go\u00a0:"},
    "lab.config.excerpt": {"en": "Line {line} of config.json", "fr": "Ligne {line} de config.json"},
    "lab.config.consequence.syntax_error": {
        "en": "The decoder checks the whole value before storing anything: the CLI runs with no configuration at "
              "all — no headers, no formats, no proxies, nothing.",
        "fr": "Le décodeur vérifie toute la valeur avant de ranger quoi que ce soit\u00a0: la CLI tourne sans aucune "
              "configuration — ni en-têtes, ni formats, ni proxys, rien.",
    },
    "lab.config.consequence.type_error": {
        "en": "Go keeps decoding after a type error: every other property is used; the faulty one keeps its empty "
              "value (a map entry stays, with an empty value).",
        "fr": "Go continue de décoder après une erreur de type\u00a0: toutes les autres propriétés servent\u00a0; la "
              "fautive garde sa valeur vide (une entrée de dictionnaire reste, avec une valeur vide).",
    },
    "lab.config.consequence.not_object": {
        "en": "The CLI expects a single object, { … }, holding its properties. Go refuses this value as a whole: "
              "with no property to use, the CLI runs with no configuration at all — as with an empty file, but "
              "with the warning.",
        "fr": "La CLI attend un objet, { … }, qui porte ses propriétés. Go refuse cette valeur en bloc\u00a0: "
              "faute de propriété à utiliser, la CLI tourne sans aucune configuration — comme avec un fichier "
              "vide, mais avec l'avertissement.",
    },
    "lab.config.consequence.auth_error": {
        "en": "The file was decoded before the credentials were checked: everything in it is used.",
        "fr": "Le fichier a été décodé avant la vérification des identifiants\u00a0: tout son contenu sert.",
    },
    "lab.key.case_folded": {
        "en": "matches {field} without regard to case, as Go's decoder allows.",
        "fr": "correspond à {field} sans tenir compte de la casse, comme le permet le décodeur de Go.",
    },
    "lab.key.unknown": {
        "en": "unknown to the CLI: silently ignored.",
        "fr": "inconnue de la CLI\u00a0: ignorée sans avertissement.",
    },
    "lab.key.removed": {
        "en": "no longer used (ignored since Docker 23.0, out of the file's format since 24.0): swarm is the only "
              "orchestrator.",
        "fr": "n'est plus utilisée (ignorée depuis Docker 23.0, sortie du format du fichier depuis 24.0)\u00a0: swarm "
              "est le seul orchestrateur.",
    },
    "lab.key.repeated": {
        "en": "given again: the later string wins, maps are merged.",
        "fr": "donnée de nouveau\u00a0: la dernière chaîne l'emporte, les dictionnaires sont fusionnés.",
    },
    "lab.settings.title": {"en": "Each setting, and who decided it", "fr": "Chaque réglage, et qui l'a décidé"},
    "lab.settings.help": {
        "en": "Crossed-out values were given too, but lost.",
        "fr": "Les valeurs barrées étaient aussi fournies, mais ne l'ont pas emporté.",
    },
    "lab.settings.setting": {"en": "Setting", "fr": "Réglage"},
    "lab.settings.value": {"en": "Effective value", "fr": "Valeur retenue"},
    "lab.settings.layer": {"en": "Won by", "fr": "Décidé par"},
    "lab.settings.why": {"en": "Why", "fr": "Pourquoi"},
    "lab.settings.from": {"en": "from {source}", "fr": "venant de {source}"},
    "lab.settings.shadowed": {"en": "{source} ({layer}) lost:", "fr": "{source} ({layer}) a perdu\u00a0:"},
    "lab.layer.flag": {"en": "option", "fr": "option"},
    "lab.layer.env": {"en": "environment", "fr": "environnement"},
    "lab.layer.file": {"en": "config.json", "fr": "config.json"},
    "lab.layer.default": {"en": "default", "fr": "par défaut"},
    "lab.layer.none": {"en": "not used", "fr": "sans effet"},
    "lab.value.none": {"en": "(none)", "fr": "(rien)"},
    "lab.tls.value.off": {"en": "off", "fr": "désactivé"},
    "lab.tls.value.verify": {"en": "on, server verified", "fr": "activé, serveur vérifié"},
    "lab.tls.value.no_verify": {"en": "on, server not verified", "fr": "activé, serveur non vérifié"},
    "lab.api_version.value.negotiated": {"en": "negotiated", "fr": "négociée"},
    "lab.setting.log_level": {"en": "Log level", "fr": "Niveau de journalisation"},
    "lab.setting.config_dir": {"en": "Configuration directory", "fr": "Répertoire de configuration"},
    "lab.setting.context": {"en": "Context", "fr": "Contexte"},
    "lab.setting.tls": {"en": "TLS", "fr": "TLS"},
    "lab.setting.host": {"en": "Daemon address", "fr": "Adresse du démon"},
    "lab.setting.cert_path": {"en": "Certificates folder", "fr": "Dossier des certificats"},
    "lab.setting.api_version": {"en": "API version", "fr": "Version de l'API"},
    "lab.setting.http_headers": {"en": "Custom HTTP headers", "fr": "En-têtes HTTP personnalisés"},
    "lab.setting.format": {"en": "Output format", "fr": "Format de sortie"},
    "lab.setting.detach_keys": {"en": "Detach keys", "fr": "Touches de détachement"},
    "lab.setting.proxies": {"en": "Container proxies", "fr": "Proxys des conteneurs"},
    "lab.setting.plugins": {"en": "Plugin settings", "fr": "Réglages des greffons"},
    "lab.setting.stack_orchestrator": {"en": "Stack orchestrator", "fr": "Orchestrateur des stacks"},
    "lab.reason.log_level.debug": {
        "en": "-D turns debug mode on, whatever --log-level says.",
        "fr": "-D active le mode débogage, quoi que dise --log-level.",
    },
    "lab.reason.log_level.flag": {"en": "Set by --log-level.", "fr": "Fixé par --log-level."},
    "lab.reason.log_level.default": {
        "en": "Nothing asks otherwise; no variable or property sets it.",
        "fr": "Rien ne dit le contraire\u00a0; aucune variable ni propriété ne le règle.",
    },
    "lab.reason.config_dir.flag": {
        "en": "--config beats DOCKER_CONFIG and the default.",
        "fr": "--config l'emporte sur DOCKER_CONFIG et sur la valeur par défaut.",
    },
    "lab.reason.config_dir.env": {
        "en": "DOCKER_CONFIG is set and no --config overrides it.",
        "fr": "DOCKER_CONFIG est définie et aucun --config ne la remplace.",
    },
    "lab.reason.config_dir.default": {
        "en": "Neither --config nor DOCKER_CONFIG: .docker in your home directory.",
        "fr": "Ni --config ni DOCKER_CONFIG\u00a0: .docker dans votre répertoire personnel.",
    },
    "lab.reason.context.flag": {
        "en": "--context comes first in the CLI's order and ignores DOCKER_HOST.",
        "fr": "--context vient en premier dans l'ordre de la CLI et ignore DOCKER_HOST.",
    },
    "lab.reason.context.host_flag": {
        "en": "-H selects the default context, with this address.",
        "fr": "-H choisit le contexte par défaut, avec cette adresse.",
    },
    "lab.reason.context.docker_host": {
        "en": "DOCKER_HOST is set: it selects the default context, and beats DOCKER_CONTEXT and currentContext.",
        "fr": "DOCKER_HOST est définie\u00a0: elle choisit le contexte par défaut, et l'emporte sur DOCKER_CONTEXT et "
              "currentContext.",
    },
    "lab.reason.context.env": {
        "en": "DOCKER_CONTEXT is set, with no -H, --context or DOCKER_HOST above it.",
        "fr": "DOCKER_CONTEXT est définie, sans -H, --context ni DOCKER_HOST, qui passeraient avant.",
    },
    "lab.reason.context.file": {
        "en": "currentContext in config.json (what docker context use writes).",
        "fr": "currentContext dans config.json (ce qu'écrit docker context use).",
    },
    "lab.reason.context.default": {
        "en": "Nothing chooses a context: the default one, built from -H, DOCKER_HOST and TLS options.",
        "fr": "Rien ne choisit de contexte\u00a0: c'est celui par défaut, construit à partir de -H, DOCKER_HOST et des "
              "options TLS.",
    },
    "lab.reason.tls.flag_tlsverify": {
        "en": "--tlsverify: TLS with the server's certificate checked against the CA.",
        "fr": "--tlsverify\u00a0: TLS, avec le certificat du serveur vérifié par l'autorité.",
    },
    "lab.reason.tls.flag_tlsverify_false": {
        "en": "Giving --tlsverify at all turns TLS on, even =false; then the server is not verified.",
        "fr": "Donner --tlsverify, même =false, suffit à activer TLS\u00a0; le serveur n'est alors pas vérifié.",
    },
    "lab.reason.tls.flag_tls": {
        "en": "--tls: TLS without verifying the server (unless DOCKER_TLS_VERIFY is set).",
        "fr": "--tls\u00a0: TLS sans vérifier le serveur (sauf si DOCKER_TLS_VERIFY est définie).",
    },
    "lab.reason.tls.flag_tls_false": {"en": "--tls=false keeps TLS off.", "fr": "--tls=false laisse TLS désactivé."},
    "lab.reason.tls.env_verify": {
        "en": "DOCKER_TLS_VERIFY is set: TLS with verification.",
        "fr": "DOCKER_TLS_VERIFY est définie\u00a0: TLS avec vérification.",
    },
    "lab.reason.tls.env_verify_forced": {
        "en": "--tls=false cannot win: DOCKER_TLS_VERIFY turns verification on, and verification implies TLS.",
        "fr": "--tls=false ne peut pas l'emporter\u00a0: DOCKER_TLS_VERIFY active la vérification, qui implique TLS.",
    },
    "lab.reason.tls.env_tls": {
        "en": "DOCKER_TLS is set: TLS without verification.",
        "fr": "DOCKER_TLS est définie\u00a0: TLS sans vérification.",
    },
    "lab.reason.tls.default": {
        "en": "No option and no variable asks for TLS.",
        "fr": "Aucune option ni variable ne demande TLS.",
    },
    "lab.reason.tls.any_value": {
        "en": "DOCKER_TLS_VERIFY={value} still turns verification on: the CLI only checks that it is not empty.",
        "fr": "DOCKER_TLS_VERIFY={value} active quand même la vérification\u00a0: la CLI regarde seulement si elle est "
              "vide.",
    },
    "lab.reason.host.from_context": {
        "en": "The address comes from context {name}, not from DOCKER_HOST.",
        "fr": "L'adresse vient du contexte {name}, pas de DOCKER_HOST.",
    },
    "lab.reason.host.several": {"en": "-H was given {count} times.", "fr": "-H a été donné {count} fois."},
    "lab.reason.host.invalid": {"en": "Refused: {error}", "fr": "Refusée\u00a0: {error}"},
    "lab.reason.host.flag": {"en": "-H beats DOCKER_HOST.", "fr": "-H l'emporte sur DOCKER_HOST."},
    "lab.reason.host.env": {
        "en": "DOCKER_HOST, normalized as the CLI does.",
        "fr": "DOCKER_HOST, normalisée comme le fait la CLI.",
    },
    "lab.reason.host.default": {
        "en": "Neither -H nor DOCKER_HOST: the local unix socket.",
        "fr": "Ni -H ni DOCKER_HOST\u00a0: la socket unix locale.",
    },
    "lab.reason.host.default_tls": {
        "en": "Neither -H nor DOCKER_HOST, and TLS is on: tcp://localhost:2376.",
        "fr": "Ni -H ni DOCKER_HOST, et TLS est activé\u00a0: tcp://localhost:2376.",
    },
    "lab.reason.cert_path.env": {
        "en": "DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem.",
        "fr": "DOCKER_CERT_PATH contient ca.pem, cert.pem et key.pem.",
    },
    "lab.reason.cert_path.default": {
        "en": "No DOCKER_CERT_PATH: the configuration folder that DOCKER_CONFIG (or the default) names.",
        "fr": "Pas de DOCKER_CERT_PATH\u00a0: le dossier de configuration désigné par DOCKER_CONFIG (ou celui par "
              "défaut).",
    },
    "lab.reason.cert_path.unused": {
        "en": "TLS is off: no certificate is read.",
        "fr": "TLS est désactivé\u00a0: aucun certificat n'est lu.",
    },
    "lab.reason.cert_path.files": {
        "en": "CA {ca}, certificate {cert}, key {keyfile}.",
        "fr": "Autorité {ca}, certificat {cert}, clé {keyfile}.",
    },
    "lab.reason.cert_path.not_config_flag": {
        "en": "--config does not move it: the default is fixed before the options are read.",
        "fr": "--config ne le déplace pas\u00a0: la valeur par défaut est fixée avant la lecture des options.",
    },
    "lab.reason.cert_path.file_flags": {
        "en": "--tlscacert, --tlscert and --tlskey name single files and beat the folder.",
        "fr": "--tlscacert, --tlscert et --tlskey désignent chacun un fichier et l'emportent sur le dossier.",
    },
    "lab.reason.api_version.env": {
        "en": "DOCKER_API_VERSION fixes the version: no negotiation, every path starts with it.",
        "fr": "DOCKER_API_VERSION fixe la version\u00a0: pas de négociation, chaque chemin commence par elle.",
    },
    "lab.reason.api_version.negotiated": {
        "en": "The CLI pings the daemon and keeps the lower of its own version ({max} for CLI 28.2) and the "
              "daemon's.",
        "fr": "La CLI envoie un ping au démon et garde la plus basse des deux versions, la sienne ({max} pour la CLI "
              "28.2) et celle du démon.",
    },
    "lab.reason.headers.env": {
        "en": "DOCKER_CUSTOM_HEADERS ({count} on the wire) replaces HttpHeaders as a whole — it does not merge.",
        "fr": "DOCKER_CUSTOM_HEADERS ({count} dans la requête) remplace HttpHeaders en bloc — sans fusion.",
    },
    "lab.reason.headers.env_error": {
        "en": "DOCKER_CUSTOM_HEADERS cannot be read: the CLI stops.",
        "fr": "DOCKER_CUSTOM_HEADERS est illisible\u00a0: la CLI s'arrête.",
    },
    "lab.reason.headers.file": {
        "en": "HttpHeaders ({count} on the wire): added to every request, the ping included.",
        "fr": "HttpHeaders ({count} dans la requête)\u00a0: ajoutés à chaque requête, ping compris.",
    },
    "lab.reason.headers.file_unsent": {
        "en": "HttpHeaders is set, but not one of its headers reaches the wire.",
        "fr": "HttpHeaders est défini, mais aucun de ses en-têtes n'arrive dans la requête.",
    },
    "lab.reason.headers.unsent": {
        "en": "Never on the wire: {names} (details below).",
        "fr": "Jamais envoyés\u00a0: {names} (détails plus bas).",
    },
    "lab.reason.headers.blocked": {
        "en": "An invalid header makes Go refuse every request: nothing is sent (details below).",
        "fr": "Un en-tête invalide fait refuser chaque requête par Go\u00a0: rien ne part (détails plus bas).",
    },
    "lab.reason.headers.none": {
        "en": "Neither HttpHeaders nor DOCKER_CUSTOM_HEADERS.",
        "fr": "Ni HttpHeaders ni DOCKER_CUSTOM_HEADERS.",
    },
    "lab.reason.format.flag": {"en": "--format beats {property}.", "fr": "--format l'emporte sur {property}."},
    "lab.reason.format.flag_quiet": {
        "en": "--format and -q together: the CLI warns and prints only the IDs.",
        "fr": "--format et -q ensemble\u00a0: la CLI avertit et n'affiche que les identifiants.",
    },
    "lab.reason.format.file": {
        "en": "No --format: {property} from config.json.",
        "fr": "Pas de --format\u00a0: {property} dans config.json.",
    },
    "lab.reason.format.quiet_over_file": {
        "en": "-q prints the IDs only; {property} is not used.",
        "fr": "-q n'affiche que les identifiants\u00a0; {property} n'est pas utilisé.",
    },
    "lab.reason.format.quiet": {"en": "-q prints the IDs only.", "fr": "-q n'affiche que les identifiants."},
    "lab.reason.format.default": {
        "en": "Neither --format nor {property}: Docker's default table.",
        "fr": "Ni --format ni {property}\u00a0: le tableau par défaut de Docker.",
    },
    "lab.reason.format.flag_only": {
        "en": "docker {command} has --format but no config.json property.",
        "fr": "docker {command} a --format mais aucune propriété dans config.json.",
    },
    "lab.reason.format.not_applicable": {
        "en": "This command has no --format: the *Format properties do not apply (type docker ps or docker images).",
        "fr": "Cette commande n'a pas de --format\u00a0: les propriétés *Format ne s'appliquent pas (tapez docker ps "
              "ou docker images).",
    },
    "lab.reason.detach.flag": {
        "en": "--detach-keys beats detachKeys.",
        "fr": "--detach-keys l'emporte sur detachKeys.",
    },
    "lab.reason.detach.file": {
        "en": "detachKeys from config.json; the CLI sends it to the daemon as ?detachKeys= on attach.",
        "fr": "detachKeys dans config.json\u00a0; la CLI l'envoie au démon en ?detachKeys= sur attach.",
    },
    "lab.reason.detach.default": {
        "en": "Docker's default: Ctrl-P then Ctrl-Q.",
        "fr": "Valeur par défaut de Docker\u00a0: Ctrl-P puis Ctrl-Q.",
    },
    "lab.reason.detach.invalid": {
        "en": "Not a valid sequence: the daemon answers 400 “{daemon}”, and the CLI falls back to Ctrl-P Ctrl-Q.",
        "fr": "Séquence invalide\u00a0: le démon répond 400 «\u00a0{daemon}\u00a0», et la CLI revient à Ctrl-P Ctrl-Q.",
    },
    "lab.reason.detach.not_attaching": {
        "en": "Only used when the CLI attaches: run and exec without -d, start -a, attach.",
        "fr": "Ne sert que lorsque la CLI s'attache\u00a0: run et exec sans -d, start -a, attach.",
    },
    "lab.reason.proxies.none": {"en": "No proxies in config.json.", "fr": "Pas de proxies dans config.json."},
    "lab.reason.proxies.default": {
        "en": "No key equals {host}: the default entry applies.",
        "fr": "Aucune clé n'est égale à {host}\u00a0: l'entrée default s'applique.",
    },
    "lab.reason.proxies.host": {
        "en": "The key equals the daemon address {host}: that entry alone applies, default is ignored.",
        "fr": "La clé est égale à l'adresse du démon {host}\u00a0: seule cette entrée s'applique, default est ignorée.",
    },
    "lab.reason.proxies.no_match": {
        "en": "No key equals {host} and there is no default entry: no variable is added.",
        "fr": "Aucune clé n'est égale à {host} et il n'y a pas d'entrée default\u00a0: aucune variable n'est ajoutée.",
    },
    "lab.reason.proxies.not_this_command": {
        "en": "Used by docker run, docker create and docker build, not by this command.",
        "fr": "Utilisé par docker run, docker create et docker build, pas par cette commande.",
    },
    "lab.reason.plugins.file": {
        "en": "{count} plugin sections: each CLI plugin reads its own, the CLI itself ignores them.",
        "fr": "{count} sections de greffons\u00a0: chaque greffon de la CLI lit la sienne, la CLI elle-même les "
              "ignore.",
    },
    "lab.reason.plugins.none": {"en": "No plugins section.", "fr": "Pas de section plugins."},
    "lab.reason.orchestrator.ignored": {
        "en": "Ignored since Docker 23.0: Kubernetes stacks are gone, swarm is the only orchestrator.",
        "fr": "Ignoré depuis Docker 23.0\u00a0: les stacks Kubernetes ont disparu, swarm est le seul orchestrateur.",
    },
    "lab.reason.orchestrator.none": {
        "en": "swarm, the only orchestrator since Docker 23.0.",
        "fr": "swarm, le seul orchestrateur depuis Docker 23.0.",
    },
    "lab.headers.title": {"en": "Custom headers on the wire", "fr": "Les en-têtes personnalisés échangés"},
    "lab.headers.intro_env": {
        "en": "From DOCKER_CUSTOM_HEADERS; HttpHeaders is not used at all.",
        "fr": "Venant de DOCKER_CUSTOM_HEADERS\u00a0; HttpHeaders n'est pas utilisé du tout.",
    },
    "lab.headers.intro_file": {
        "en": "From HttpHeaders. The CLI does not interpret them; Go writes them, canonicalized and sorted.",
        "fr": "Venant de HttpHeaders. La CLI ne les interprète pas\u00a0; Go les écrit, normalisés et triés.",
    },
    "lab.headers.intro_none": {"en": "No custom headers.", "fr": "Aucun en-tête personnalisé."},
    "lab.headers.written": {"en": "As written", "fr": "Tel qu'écrit"},
    "lab.headers.wire": {"en": "As sent", "fr": "Tel qu'envoyé"},
    "lab.headers.fate": {"en": "What happens", "fr": "Ce qui se passe"},
    "lab.headers.request_error": {
        "en": "Every request fails with “error during connect”:",
        "fr": "Chaque requête échoue avec «\u00a0error during connect\u00a0»\u00a0:",
    },
    "lab.header.sent": {"en": "Sent on every request.", "fr": "Envoyé sur chaque requête."},
    "lab.header.replaced_by_cli": {
        "en": "Never sent: the CLI always sets its own User-Agent (Docker-Client/28.2.2).",
        "fr": "Jamais envoyé\u00a0: la CLI impose toujours son User-Agent (Docker-Client/28.2.2).",
    },
    "lab.header.dropped_by_go": {
        "en": "Never sent: Go's HTTP client writes this header from the request itself.",
        "fr": "Jamais envoyé\u00a0: le client HTTP de Go écrit cet en-tête à partir de la requête elle-même.",
    },
    "lab.header.sometimes_overridden": {
        "en": "Sent, except where the CLI sets it itself: {detail}.",
        "fr": "Envoyé, sauf là où la CLI le définit elle-même\u00a0: {detail}.",
    },
    "lab.header.requests.json_body": {"en": "requests with a JSON body", "fr": "les requêtes avec un corps JSON"},
    "lab.header.requests.registry": {"en": "pull and push", "fr": "pull et push"},
    "lab.header.requests.upgrade": {
        "en": "attach and exec (HTTP Upgrade)",
        "fr": "attach et exec (Upgrade HTTP)",
    },
    "lab.header.invalid_name": {
        "en": "Not a valid header name (no spaces, no special characters): Go refuses to send anything.",
        "fr": "Nom d'en-tête invalide (ni espace, ni caractère spécial)\u00a0: Go refuse d'envoyer quoi que ce soit.",
    },
    "lab.header.invalid_value": {
        "en": "The value holds a control character: Go refuses to send anything.",
        "fr": "La valeur contient un caractère de contrôle\u00a0: Go refuse d'envoyer quoi que ce soit.",
    },
    "lab.header.duplicate": {
        "en": "Same name as another key once canonicalized: only one is sent, chosen by Go's random map order.",
        "fr": "Même nom qu'une autre clé une fois normalisé\u00a0: un seul part, choisi au hasard de l'ordre des "
              "dictionnaires de Go.",
    },
    "lab.header.renamed": {
        "en": "Note the spelling: Go sends it as {wire}.",
        "fr": "Attention à l'écriture\u00a0: Go l'envoie sous la forme {wire}.",
    },
    "lab.proxies.title": {"en": "Proxies handed to containers", "fr": "Les proxys transmis aux conteneurs"},
    "lab.proxies.compared": {
        "en": "The keys are compared, character for character, with the daemon address the CLI holds:",
        "fr": "Les clés sont comparées, caractère par caractère, à l'adresse du démon que détient la CLI\u00a0:",
    },
    "lab.proxies.unknown_host": {
        "en": "The address comes from a context the lab does not have: it cannot tell which key would match.",
        "fr": "L'adresse vient d'un contexte que le labo n'a pas\u00a0: impossible de dire quelle clé correspondrait.",
    },
    "lab.proxies.chosen": {"en": "used", "fr": "utilisée"},
    "lab.proxies.key.not_an_address": {
        "en": "no -H or DOCKER_HOST can ever be written like this: this entry is never used.",
        "fr": "aucun -H ni DOCKER_HOST ne s'écrit ainsi\u00a0: cette entrée ne sert jamais.",
    },
    "lab.proxies.key.not_normalized": {
        "en": "the CLI writes this address {normalized}: as typed, the key never matches.",
        "fr": "la CLI écrit cette adresse {normalized}\u00a0: telle quelle, la clé ne correspond jamais.",
    },
    "lab.proxies.variables": {
        "en": "Variables docker run and docker create add to the container (docker build passes them as build "
              "arguments):",
        "fr": "Variables que docker run et docker create ajoutent au conteneur (docker build les passe en "
              "arguments de construction)\u00a0:",
    },
    "lab.proxies.variable": {"en": "Variable", "fr": "Variable"},
    "lab.proxies.value": {"en": "Value", "fr": "Valeur"},
    "lab.proxies.status": {"en": "Set?", "fr": "Définie\u00a0?"},
    "lab.proxies.status.set": {"en": "yes, from {source}", "fr": "oui, depuis {source}"},
    "lab.proxies.status.user_given": {
        "en": "no: your -e gives this exact name",
        "fr": "non\u00a0: votre -e donne ce nom exact",
    },
    "lab.proxies.no_variables": {
        "en": "The chosen entry sets no property: no variable is added.",
        "fr": "L'entrée choisie ne définit aucune propriété\u00a0: aucune variable n'est ajoutée.",
    },
    "lab.proxies.no_proxy.url": {
        "en": "noProxy holds “{entry}”, a URL: noProxy lists hosts, domains (.example.com), IPs or CIDRs that "
              "bypass the proxy, separated by commas.",
        "fr": "noProxy contient «\u00a0{entry}\u00a0», une URL\u00a0: noProxy liste les hôtes, domaines "
              "(.example.com), IP ou CIDR qui contournent le proxy, séparés par des virgules.",
    },
    "lab.proxies.no_proxy.empty_entry": {
        "en": "noProxy has an empty entry (two commas in a row, or a comma at an end).",
        "fr": "noProxy contient une entrée vide (deux virgules de suite, ou une virgule en bout de liste).",
    },
    "lab.proxies.not_cli": {
        "en": "These are for the containers only: the CLI's own connection follows HTTP_PROXY, HTTPS_PROXY and "
              "NO_PROXY from its environment, and the daemon has its own settings.",
        "fr": "Ces variables ne concernent que les conteneurs\u00a0: la connexion de la CLI elle-même suit HTTP_PROXY, "
              "HTTPS_PROXY et NO_PROXY de son environnement, et le démon a ses propres réglages.",
    },
    "lab.address.title": {"en": "The daemon address, explained", "fr": "L'adresse du démon, expliquée"},
    "lab.address.explain": {
        "en": "Open it in the DOCKER_HOST explainer",
        "fr": "L'ouvrir dans l'onglet DOCKER_HOST",
    },
    "lab.props.title": {"en": "What the CLI does with each property", "fr": "Ce que fait la CLI de chaque propriété"},
    "lab.props.none_used": {
        "en": "None: the file is not JSON, so not one property is used. Fix it to see them at work.",
        "fr": "Rien\u00a0: le fichier n'est pas du JSON, donc aucune propriété ne sert. Corrigez-le pour les voir à "
              "l'œuvre.",
    },
    "lab.props.empty": {"en": "The file sets no property.", "fr": "Le fichier ne définit aucune propriété."},
    "lab.props.all": {
        "en": "Every property docker CLI 28 reads",
        "fr": "Toutes les propriétés que lit la CLI docker 28",
    },
    "lab.prop.auths": {
        "en": "stored registry credentials (auth is base64 of user:password — readable by anyone who reads the "
              "file).",
        "fr": "identifiants de registres enregistrés (auth est user:motdepasse en base64 — lisible par quiconque "
              "lit le fichier).",
    },
    "lab.prop.HttpHeaders": {
        "en": "headers added to every request to the daemon; they cannot replace the CLI's own.",
        "fr": "en-têtes ajoutés à chaque requête vers le démon\u00a0; ils ne peuvent pas remplacer ceux de la CLI.",
    },
    "lab.prop.psFormat": {"en": "default --format of docker ps.", "fr": "--format par défaut de docker ps."},
    "lab.prop.imagesFormat": {
        "en": "default --format of docker images.",
        "fr": "--format par défaut de docker images.",
    },
    "lab.prop.networksFormat": {
        "en": "default --format of docker network ls.",
        "fr": "--format par défaut de docker network ls.",
    },
    "lab.prop.pluginsFormat": {
        "en": "default --format of docker plugin ls.",
        "fr": "--format par défaut de docker plugin ls.",
    },
    "lab.prop.volumesFormat": {
        "en": "default --format of docker volume ls.",
        "fr": "--format par défaut de docker volume ls.",
    },
    "lab.prop.statsFormat": {"en": "default --format of docker stats.", "fr": "--format par défaut de docker stats."},
    "lab.prop.detachKeys": {
        "en": "default key sequence to detach from a container (--detach-keys overrides it).",
        "fr": "séquence de touches par défaut pour se détacher d'un conteneur (--detach-keys la remplace).",
    },
    "lab.prop.credsStore": {
        "en": "credential helper program docker-credential-<name> for every registry.",
        "fr": "programme d'aide docker-credential-<nom> pour tous les registres.",
    },
    "lab.prop.credHelpers": {
        "en": "a credential helper per registry, before credsStore.",
        "fr": "un programme d'aide par registre, avant credsStore.",
    },
    "lab.prop.serviceInspectFormat": {
        "en": "default --format of docker service inspect.",
        "fr": "--format par défaut de docker service inspect.",
    },
    "lab.prop.servicesFormat": {
        "en": "default --format of docker service ls.",
        "fr": "--format par défaut de docker service ls.",
    },
    "lab.prop.tasksFormat": {
        "en": "default --format of docker stack ps.",
        "fr": "--format par défaut de docker stack ps.",
    },
    "lab.prop.secretFormat": {
        "en": "default --format of docker secret ls.",
        "fr": "--format par défaut de docker secret ls.",
    },
    "lab.prop.configFormat": {
        "en": "default --format of docker config ls.",
        "fr": "--format par défaut de docker config ls.",
    },
    "lab.prop.nodesFormat": {
        "en": "default --format of docker node ls.",
        "fr": "--format par défaut de docker node ls.",
    },
    "lab.prop.pruneFilters": {
        "en": "default --filter values of the prune commands.",
        "fr": "valeurs --filter par défaut des commandes prune.",
    },
    "lab.prop.proxies": {
        "en": "proxy variables handed to containers and builds, per daemon address or default.",
        "fr": "variables de proxy transmises aux conteneurs et aux constructions, par adresse de démon ou par "
              "défaut.",
    },
    "lab.prop.currentContext": {
        "en": "the context chosen by docker context use (DOCKER_HOST, DOCKER_CONTEXT and the options beat it).",
        "fr": "le contexte choisi par docker context use (DOCKER_HOST, DOCKER_CONTEXT et les options l'emportent).",
    },
    "lab.prop.cliPluginsExtraDirs": {
        "en": "extra folders where the CLI looks for plugins.",
        "fr": "dossiers supplémentaires où la CLI cherche des greffons.",
    },
    "lab.prop.plugins": {
        "en": "settings per CLI plugin: a map from plugin name to its options, read by that plugin only.",
        "fr": "réglages par greffon de la CLI\u00a0: un dictionnaire nom du greffon → ses options, lu par ce seul "
              "greffon.",
    },
    "lab.prop.aliases": {
        "en": "command aliases (for example builder → buildx).",
        "fr": "alias de commandes (par exemple builder → buildx).",
    },
    "lab.prop.features": {
        "en": "optional CLI features (such as hooks).",
        "fr": "fonctionnalités facultatives de la CLI (comme les hooks).",
    },
    "lab.prop.experimental": {
        "en": "no longer used: experimental CLI features are always on since Docker 20.10.",
        "fr": "n'est plus utilisée\u00a0: les fonctionnalités expérimentales de la CLI sont toujours actives depuis "
              "Docker 20.10.",
    },
    "lab.send.title": {"en": "Send it for real", "fr": "L'envoyer pour de vrai"},
    "lab.send.intro": {
        "en": "The lab sends the listing request the CLI would send — ping first, with the custom headers and the "
              "API version this configuration gives — to your sandbox of the mock daemon, and shows both "
              "exchanges. Whatever -H or DOCKER_HOST say, it goes to your sandbox.",
        "fr": "Le labo envoie la requête de listage que la CLI enverrait — d'abord le ping, avec les en-têtes et la "
              "version d'API que donne cette configuration — à votre bac à sable du démon simulé, et montre les "
              "deux échanges. Quoi que disent -H ou DOCKER_HOST, elle part vers votre bac à sable.",
    },
    "lab.send.sandbox": {"en": "Your sandbox:", "fr": "Votre bac à sable\u00a0:"},
    "lab.send.ps": {"en": "Send docker ps", "fr": "Envoyer docker ps"},
    "lab.send.images": {"en": "Send docker images", "fr": "Envoyer docker images"},
    "lab.send.refused": {
        "en": "Nothing sent: {command} with this configuration stops before the first request.",
        "fr": "Rien n'a été envoyé\u00a0: {command} avec cette configuration s'arrête avant la première requête.",
    },
    "lab.send.done": {"en": "{command}, as sent", "fr": "{command}, tel qu'envoyé"},
    "lab.send.headers": {"en": "Custom headers ({count}):", "fr": "En-têtes personnalisés ({count})\u00a0:"},
    "lab.send.no_headers": {"en": "No custom header.", "fr": "Aucun en-tête personnalisé."},
    "lab.send.api_fixed": {
        "en": "API version fixed by DOCKER_API_VERSION: v{version}.",
        "fr": "Version d'API fixée par DOCKER_API_VERSION\u00a0: v{version}.",
    },
    "lab.send.api_negotiated": {
        "en": "API version negotiated from the ping's Api-Version header.",
        "fr": "Version d'API négociée d'après l'en-tête Api-Version du ping.",
    },
    "lab.send.query": {
        "en": "Query from the command's options:",
        "fr": "Paramètres issus des options de la commande\u00a0:",
    },
    "lab.send.user_agent": {
        "en": "One honest difference: the User-Agent names hellotrace, where the CLI writes Docker-Client/28.2.2 "
              "(linux).",
        "fr": "Une différence assumée\u00a0: le User-Agent nomme hellotrace, là où la CLI écrit Docker-Client/28.2.2 "
              "(linux).",
    },
    "lab.format.title": {"en": "What {command} prints", "fr": "Ce qu'affiche {command}"},
    "lab.format.in_force": {"en": "Format in force:", "fr": "Format en vigueur\u00a0:"},
    "lab.format.source.flag": {"en": "from --format.", "fr": "venant de --format."},
    "lab.format.source.file": {"en": "from {property} in config.json.", "fr": "venant de {property} dans config.json."},
    "lab.format.source.default": {"en": "Docker's default table.", "fr": "le tableau par défaut de Docker."},
    "lab.format.quiet": {"en": "-q: IDs only", "fr": "-q\u00a0: identifiants seuls"},
    "lab.format.stdout": {"en": "Standard output", "fr": "Sortie standard"},
    "lab.format.error": {
        "en": "The CLI prints this on stderr and exits with status 1.",
        "fr": "La CLI affiche ceci sur la sortie d'erreur et se termine avec le code 1.",
    },
    "lab.format.unsupported": {
        "en": "The real CLI accepts this template, but hellotrace cannot reproduce its output ({code}).",
        "fr": "La vraie CLI accepte ce modèle, mais hellotrace ne sait pas reproduire sa sortie ({code}).",
    },
    "lab.format.no_output": {
        "en": "No listing came back, so there is nothing to format.",
        "fr": "Aucune liste n'est revenue\u00a0: rien à mettre en forme.",
    },
    "lab.format.client_side": {
        "en": "The format is a Go text/template the CLI applies to the JSON it received: it is not sent to the "
              "daemon, and the request is the same whatever the format (except .Size in docker ps, which adds "
              "size=1).",
        "fr": "Le format est un modèle Go (text/template) que la CLI applique au JSON reçu\u00a0: il ne part pas vers "
              "le démon, et la requête est la même quel que soit le format (sauf .Size dans docker ps, qui "
              "ajoute size=1).",
    },
    "lab.send.caveat": {
        "en": "Sent anyway, to show the request: on a machine without that context or those files, the CLI would "
              "have stopped first with:",
        "fr": "Envoyée quand même, pour montrer la requête\u00a0: sur une machine sans ce contexte ou ces fichiers, la "
              "CLI se serait d'abord arrêtée avec\u00a0:",
    },
    "lab.send.refused_format": {
        "en": "Nothing sent: {command} checks its format before any request, and this one fails.",
        "fr": "Rien n'a été envoyé\u00a0: {command} vérifie son format avant toute requête, et celui-ci échoue.",
    },
    "lab.host.title": {"en": "DOCKER_HOST and -H, explained", "fr": "DOCKER_HOST et -H, expliqués"},
    "lab.host.intro": {
        "en": "Type any daemon address, as you would after -H or in DOCKER_HOST: see how the docker CLI reads it "
              "— with the same parser hellotrace's own client uses.",
        "fr": "Tapez une adresse de démon, comme après -H ou dans DOCKER_HOST\u00a0: voyez comment la CLI docker la "
              "lit — avec l'analyseur même qu'utilise le client de hellotrace.",
    },
    "lab.host.input": {"en": "Daemon address", "fr": "Adresse du démon"},
    "lab.host.tls": {"en": "TLS on (--tls, --tlsverify)", "fr": "TLS activé (--tls, --tlsverify)"},
    "lab.host.explain": {"en": "Explain", "fr": "Expliquer"},
    "lab.host.sandbox": {"en": "Your sandbox's address:", "fr": "L'adresse de votre bac à sable\u00a0:"},
    "lab.host.your_sandbox": {"en": "your sandbox", "fr": "votre bac à sable"},
    "lab.host.examples": {"en": "Every form, to try", "fr": "Toutes les formes, à essayer"},
    "lab.host.prompt": {
        "en": "Type an address, or pick one of the examples below.",
        "fr": "Tapez une adresse, ou choisissez l'un des exemples ci-dessous.",
    },
    "lab.host.nothing": {"en": "Nothing set", "fr": "Rien de défini"},
    "lab.host.with_tls": {"en": "with TLS", "fr": "avec TLS"},
    "lab.host.invalid": {"en": "Refused.", "fr": "Refusée."},
    "lab.host.invalid_help": {
        "en": "The docker CLI stops with this message (exit status 1):",
        "fr": "La CLI docker s'arrête sur ce message (code de sortie 1)\u00a0:",
    },
    "lab.host.normalized": {"en": "As the CLI writes it", "fr": "Telle que l'écrit la CLI"},
    "lab.host.scheme": {"en": "Scheme", "fr": "Schéma"},
    "lab.host.scheme.unix": {
        "en": "a unix socket, a file on this machine",
        "fr": "une socket unix, un fichier de cette machine",
    },
    "lab.host.scheme.tcp": {
        "en": "TCP, plain HTTP unless TLS is on",
        "fr": "TCP, en HTTP simple sauf si TLS est activé",
    },
    "lab.host.scheme.ssh": {
        "en": "SSH: the CLI runs ssh, then docker system dial-stdio on the remote machine",
        "fr": "SSH\u00a0: la CLI lance ssh, puis docker system dial-stdio sur la machine distante",
    },
    "lab.host.scheme.npipe": {"en": "a Windows named pipe", "fr": "un tube nommé Windows"},
    "lab.host.scheme.fd": {
        "en": "a file descriptor handed over by systemd — a daemon-side form",
        "fr": "un descripteur de fichier transmis par systemd — une forme côté démon",
    },
    "lab.host.host": {"en": "Host", "fr": "Hôte"},
    "lab.host.port": {"en": "Port", "fr": "Port"},
    "lab.host.user": {"en": "SSH user", "fr": "Utilisateur SSH"},
    "lab.host.socket": {"en": "Socket path", "fr": "Chemin de la socket"},
    "lab.host.prefix": {"en": "Path prefix", "fr": "Préfixe de chemin"},
    "lab.host.prefix_example": {
        "en": "every request goes under it: {ping}, {ps}",
        "fr": "il précède le chemin de chaque requête\u00a0: {ping}, {ps}",
    },
    "lab.host.no_prefix": {"en": "none", "fr": "aucun"},
    "lab.host.host_header": {"en": "Host header sent", "fr": "En-tête Host envoyé"},
    "lab.host.defaults": {"en": "Defaults applied", "fr": "Valeurs par défaut appliquées"},
    "lab.host.no_default": {"en": "none: everything was given", "fr": "aucune\u00a0: tout était donné"},
    "lab.host.default.nothing_set": {
        "en": "nothing set: the local socket {value}",
        "fr": "rien de défini\u00a0: la socket locale {value}",
    },
    "lab.host.default.nothing_set_tls": {
        "en": "nothing set and TLS on: {value}",
        "fr": "rien de défini et TLS activé\u00a0: {value}",
    },
    "lab.host.default.default_unix_socket": {"en": "socket path {value}", "fr": "chemin de socket {value}"},
    "lab.host.default.default_named_pipe": {"en": "named pipe {value}", "fr": "tube nommé {value}"},
    "lab.host.default.default_http_host": {"en": "host {value}", "fr": "hôte {value}"},
    "lab.host.default.default_http_port": {
        "en": "port {value} — an explicit tcp:// address gets 2375 even with TLS",
        "fr": "port {value} — une adresse tcp:// explicite reçoit 2375, même avec TLS",
    },
    "lab.host.default.default_tls_port": {
        "en": "port {value}, only because nothing was set and TLS is on",
        "fr": "port {value}, seulement parce que rien n'est défini et que TLS est activé",
    },
    "lab.host.default.scheme_tcp": {
        "en": "scheme {value}: no scheme given",
        "fr": "schéma {value}\u00a0: aucun schéma donné",
    },
    "lab.host.dialable": {"en": "Can a client connect?", "fr": "Un client peut-il s'y connecter\u00a0?"},
    "lab.host.dialable.yes": {"en": "yes, and hellotrace can too", "fr": "oui, et hellotrace aussi"},
    "lab.host.dialable.no": {"en": "not from hellotrace", "fr": "pas depuis hellotrace"},
    "lab.host.why.daemon_side_only": {
        "en": "fd:// is how systemd hands dockerd its sockets; no client can dial it (the CLI fails too).",
        "fr": "fd:// est la façon dont systemd passe ses sockets à dockerd\u00a0; aucun client ne peut s'y connecter "
              "(la CLI échoue aussi).",
    },
    "lab.host.why.ssh_not_supported": {
        "en": "the docker CLI can (through ssh); hellotrace speaks HTTP over sockets only.",
        "fr": "la CLI docker le peut (via ssh)\u00a0; hellotrace ne parle HTTP que sur des sockets.",
    },
    "lab.host.why.named_pipe_windows": {
        "en": "named pipes exist on Windows only.",
        "fr": "les tubes nommés n'existent que sous Windows.",
    },
    "lab.host.why.tls_not_supported": {
        "en": "the docker CLI can, with its certificates; hellotrace speaks plain HTTP only.",
        "fr": "la CLI docker le peut, avec ses certificats\u00a0; hellotrace ne parle qu'en HTTP simple.",
    },
    "lab.host.why.port_out_of_range": {
        "en": "the CLI accepts any digits as a port, but no connection can be made to this one.",
        "fr": "la CLI accepte n'importe quels chiffres comme port, mais aucune connexion n'est possible sur "
              "celui-ci.",
    },
    "lab.host.notes": {"en": "Worth knowing", "fr": "Bon à savoir"},
    "lab.host.note.whitespace_trimmed": {
        "en": "spaces around the address are removed.",
        "fr": "les espaces autour de l'adresse sont retirés.",
    },
    "lab.host.note.scheme_inferred_tcp": {
        "en": "without “://”, the CLI assumes tcp://.",
        "fr": "sans «\u00a0://\u00a0», la CLI suppose tcp://.",
    },
    "lab.host.note.path_taken_as_tcp_prefix": {
        "en": "a bare path is not a socket: without unix:// it becomes a TCP address with a path prefix.",
        "fr": "un simple chemin n'est pas une socket\u00a0: sans unix://, il devient une adresse TCP avec un préfixe "
              "de chemin.",
    },
    "lab.host.note.path_prefix": {
        "en": "the path after the port is put in front of every request path.",
        "fr": "le chemin après le port est placé devant le chemin de chaque requête.",
    },
    "lab.host.note.userinfo_dropped": {
        "en": "user@ in a tcp:// address is dropped: no credentials are sent.",
        "fr": "user@ dans une adresse tcp:// est retiré\u00a0: aucun identifiant n'est envoyé.",
    },
    "lab.host.note.query_dropped": {"en": "the ?query part is dropped.", "fr": "la partie ?requête est retirée."},
    "lab.host.note.fragment_dropped": {
        "en": "the #fragment part is dropped.",
        "fr": "la partie #fragment est retirée.",
    },
    "lab.host.note.relative_socket_path": {
        "en": "a relative socket path is taken from the current directory.",
        "fr": "un chemin de socket relatif est résolu depuis le répertoire courant.",
    },
}

ERROR_KEYS = {
    "stream_cut": "error.stream_cut",
    "socket_missing": "error.socket_missing",
    "connection_refused": "error.connection_refused",
    "permission_denied": "error.permission_denied",
    "host_unknown": "error.host_unknown",
    "connect_timeout": "error.timeout",
    "read_timeout": "error.timeout",
    "exchange_timeout": "error.timeout",
    "api_version_unsupported": "error.api_version",
    "api_version_invalid": "error.api_version",
    "not_http": "error.not_http",
    "not_dialable": "error.not_dialable",
    "refused_by_policy": "error.refused",
}


def error_key(kind: str) -> str:
    return ERROR_KEYS.get(kind, "error.other")
