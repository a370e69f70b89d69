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
    "lang.switch": {"en": "Version française", "fr": "English version"},
    "lang.other_code": {"en": "fr", "fr": "en"},
    "home.title": {"en": "What happens in docker run hello-world?", "fr": "Que se passe-t-il dans docker run hello-world ?"},
    "home.intro": {
        "en": "hello-world prints four numbered steps. hellotrace replays them for real, one HTTP call at a "
              "time, and shows you the curl command, the request as sent and the response as received.",
        "fr": "hello-world affiche quatre étapes numérotées. hellotrace les rejoue pour de vrai, un appel HTTP "
              "après l'autre, et vous montre la commande curl, la requête telle qu'elle part et la réponse "
              "telle qu'elle arrive.",
    },
    "home.cta": {"en": "Start the replay", "fr": "Lancer le rejeu"},
    "home.terminal": {
        "en": "Prefer your own terminal? Point the docker CLI or curl at the mock daemon:",
        "fr": "Vous préférez votre terminal ? Pointez le CLI docker ou curl vers le démon simulé :",
    },
    "errorpage.404.title": {"en": "Page not found", "fr": "Page introuvable"},
    "errorpage.404.text": {
        "en": "No hellotrace page lives at this address. The menu above leads to the replay.",
        "fr": "Aucune page de hellotrace à cette adresse. Le menu ci-dessus mène au rejeu.",
    },
    "errorpage.4xx.title": {"en": "Request refused", "fr": "Requête refusée"},
    "errorpage.4xx.text": {
        "en": "The request could not be handled as sent. Go back to the previous page and try again.",
        "fr": "La requête n'a pas pu être traitée telle quelle. Revenez à la page précédente et réessayez.",
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
        "fr": "create → 404 No such image → pull → create → start → wait → logs : ce que vous taperiez.",
    },
    "replay.sequence.cli": {"en": "What the docker CLI really sends", "fr": "Ce qu'envoie vraiment le CLI docker"},
    "replay.sequence.cli.help": {
        "en": "ping and version negotiation → create → 404 → pull → create → attach (101 upgrade) → wait → "
              "start → output frames → exit status.",
        "fr": "ping et négociation de version → create → 404 → pull → create → attach (upgrade 101) → wait → "
              "start → trames de sortie → code de sortie.",
    },
    "replay.sequence.apply": {"en": "Use this sequence", "fr": "Utiliser cette séquence"},
    "replay.run_all": {"en": "Run all", "fr": "Tout lancer"},
    "replay.run_step": {"en": "Run step {n}", "fr": "Lancer l'étape {n}"},
    "replay.reset": {"en": "Reset", "fr": "Réinitialiser"},
    "replay.reset.help": {
        "en": "Removes the hello-world image and the containers the replay made, so the pull happens again.",
        "fr": "Supprime l'image hello-world et les conteneurs créés par le rejeu : le pull aura lieu de nouveau.",
    },
    "replay.reset.done": {"en": "Reset done: {count} calls sent.", "fr": "Réinitialisation faite : {count} appels envoyés."},
    "replay.keyboard": {
        "en": "Keyboard: ← → or j k move between steps, Enter runs the focused step.",
        "fr": "Clavier : ← → ou j k pour passer d'une étape à l'autre, Entrée lance l'étape active.",
    },
    "replay.daemon": {"en": "Daemon:", "fr": "Démon :"},
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
        "fr": "Utilisez le même bac à sable depuis votre terminal :",
    },
    "replay.finished": {"en": "Run finished.", "fr": "Rejeu terminé."},
    "replay.status.idle": {"en": "Not run yet", "fr": "Pas encore lancée"},
    "replay.status.running": {"en": "Running…", "fr": "En cours…"},
    "replay.status.ok": {"en": "Done", "fr": "Terminée"},
    "replay.status.failed": {"en": "Failed", "fr": "Échec"},
    "replay.lesson_link": {"en": "Lesson for this step", "fr": "La leçon de cette étape"},
    "replay.busy": {
        "en": "A run is already in progress for you; its results appear below.",
        "fr": "Un rejeu est déjà en cours pour vous ; ses résultats s'affichent ci-dessous.",
    },
    "replay.bad_step": {
        "en": "There is no step “{step}”: choose 1, 2, 3, 4 or all.",
        "fr": "L'étape « {step} » n'existe pas : choisissez 1, 2, 3, 4 ou tout.",
    },
    "replay.bad_sequence": {
        "en": "Unknown sequence “{sequence}”: the curl recipe is used.",
        "fr": "Séquence « {sequence} » inconnue : la recette curl est utilisée.",
    },
    "replay.run_not_found": {
        "en": "This run is over or unknown; reload the page to see the latest results.",
        "fr": "Ce rejeu est terminé ou inconnu ; rechargez la page pour voir les derniers résultats.",
    },
    # The four steps, in the page's language (titles echo the hello-world message).
    "step.1.title": {"en": "The client contacts the daemon", "fr": "Le client contacte le démon"},
    "step.1.text": {
        "en": "Before anything else the client pings the daemon (HEAD /_ping). The answer's Api-Version header "
              "tells which API the daemon speaks; the client keeps the lower of its own and the daemon's, and "
              "puts it in front of every later path (/v1.55/…).",
        "fr": "Avant toute chose, le client envoie un ping au démon (HEAD /_ping). L'en-tête Api-Version de la "
              "réponse indique l'API que parle le démon ; le client retient la plus basse des deux versions, "
              "la sienne et celle du démon, et la place devant tous les chemins suivants (/v1.55/…).",
    },
    "step.2.title": {"en": "The daemon pulls the image", "fr": "Le démon tire l'image"},
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
              "docker CLI first opens attach (an HTTP upgrade, 101) and wait, so that it misses no output.",
        "fr": "Cette fois, la création réussit (201, avec l'identifiant du conteneur) et le conteneur est démarré "
              "(204). Le CLI docker ouvre d'abord attach (une montée de protocole HTTP, 101) et wait, pour ne "
              "rien manquer de la sortie.",
    },
    "step.4.title": {"en": "The daemon streams the output back", "fr": "Le démon renvoie la sortie au client"},
    "step.4.text": {
        "en": "The program's output travels back in 8-byte-framed chunks (stream, then length), which the client "
              "decodes and writes to your terminal; wait then gives the exit status.",
        "fr": "La sortie du programme revient découpée en trames précédées de 8 octets (le flux, puis la "
              "longueur) que le client décode et écrit dans votre terminal ; wait donne ensuite le code de "
              "sortie.",
    },
    # -- exchange cards --------------------------------------------------------------------------------
    "ex.curl": {"en": "curl", "fr": "curl"},
    "ex.copy": {"en": "Copy", "fr": "Copier"},
    "ex.copied": {"en": "Copied", "fr": "Copié"},
    "ex.request": {"en": "Request as sent", "fr": "Requête telle qu'envoyée"},
    "ex.response": {"en": "Response as received", "fr": "Réponse telle que reçue"},
    "ex.waiting": {"en": "waiting for the answer…", "fr": "en attente de la réponse…"},
    "ex.duration": {"en": "{ms} ms", "fr": "{ms} ms"},
    "ex.body": {"en": "Body", "fr": "Corps"},
    "ex.pretty": {"en": "Pretty", "fr": "Lisible"},
    "ex.raw": {"en": "Raw", "fr": "Brut"},
    "ex.progress": {"en": "Pull progress, line by line", "fr": "Progression du pull, ligne par ligne"},
    "ex.frames": {"en": "Frames (8-byte header, then payload)", "fr": "Trames (en-tête de 8 octets, puis contenu)"},
    "ex.frame": {
        "en": "stream {stream} ({name}), length {length}",
        "fr": "flux {stream} ({name}), longueur {length}",
    },
    "ex.terminal": {"en": "As your terminal shows it", "fr": "Tel que votre terminal l'affiche"},
    "ex.continued": {
        "en": "Continued from step 3: this connection was opened there, before start.",
        "fr": "Suite de l'étape 3 : cette connexion a été ouverte là-bas, avant start.",
    },
    "ex.truncated": {"en": "(truncated: {size} bytes in all)", "fr": "(tronqué : {size} octets au total)"},
    "ex.no_body": {"en": "(no body)", "fr": "(pas de corps)"},
    "ex.connection": {"en": "connection #{n}", "fr": "connexion n° {n}"},
    # -- notes -------------------------------------------------------------------------------------------
    "note.negotiated": {
        "en": "The daemon advertises API {server}; the client will use /v{version}/ in front of every path.",
        "fr": "Le démon annonce l'API {server} ; le client mettra /v{version}/ devant chaque chemin.",
    },
    "note.daemon-version": {"en": "Daemon: {platform}, version {version}.", "fr": "Démon : {platform}, version {version}."},
    "note.image-missing": {
        "en": "404: “{message}”. This is what triggers the pull.",
        "fr": "404 : « {message} ». C'est ce qui déclenche le pull.",
    },
    "note.image-present": {
        "en": "The image is already there: create succeeded at once, so there is no pull (this is what a second "
              "docker run does). Use Reset to see the pull again.",
        "fr": "L'image est déjà là : la création a réussi du premier coup, donc pas de pull (c'est ce que fait "
              "un second docker run). Réinitialisez pour revoir le pull.",
    },
    "note.pulled": {"en": "The image is now in the daemon's store.", "fr": "L'image est maintenant dans le stockage du démon."},
    "note.created": {"en": "Container {id:.12} created.", "fr": "Conteneur {id:.12} créé."},
    "note.started": {"en": "Container {id:.12} started.", "fr": "Conteneur {id:.12} démarré."},
    "note.exited": {"en": "The container exited with status {code}.", "fr": "Le conteneur s'est terminé avec le code {code}."},
    # -- failures, explained -----------------------------------------------------------------------------
    "note.contact-failed": {"en": "The client could not talk to the daemon.", "fr": "Le client n'a pas pu parler au démon."},
    "note.unexpected-answer": {
        "en": "The daemon gave an answer the client did not expect ({label}: {status}). {message}",
        "fr": "Le démon a donné une réponse inattendue ({label} : {status}). {message}",
    },
    "note.transport-error": {"en": "The call did not complete.", "fr": "L'appel n'a pas abouti."},
    "note.pull-failed": {
        "en": "The pull failed: {message}. A real daemon needs its registry (or a mirror); an offline machine "
              "cannot pull.",
        "fr": "Le pull a échoué : {message}. Un vrai démon a besoin de son registre (ou d'un miroir) ; une "
              "machine hors ligne ne peut pas tirer d'image.",
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
    "error.socket_missing": {
        "en": "The daemon's socket does not exist: is the daemon running? Start it, or point hellotrace at "
              "another address with --daemon.",
        "fr": "La socket du démon n'existe pas : le démon tourne-t-il ? Démarrez-le, ou indiquez une autre "
              "adresse à hellotrace avec --daemon.",
    },
    "error.connection_refused": {
        "en": "Nothing accepts connections at that address: the daemon is not running there, or listens elsewhere.",
        "fr": "Rien n'accepte de connexion à cette adresse : le démon n'y tourne pas, ou écoute ailleurs.",
    },
    "error.permission_denied": {
        "en": "Permission denied on the socket. The Docker socket belongs to root and the docker group; being in "
              "that group is equivalent to being root on the host.",
        "fr": "Permission refusée sur la socket. La socket Docker appartient à root et au groupe docker ; faire "
              "partie de ce groupe équivaut à être root sur la machine.",
    },
    "error.host_unknown": {
        "en": "The daemon's host name does not resolve.",
        "fr": "Le nom d'hôte du démon ne se résout pas.",
    },
    "error.timeout": {
        "en": "The daemon took too long to answer.",
        "fr": "Le démon a mis trop de temps à répondre.",
    },
    "error.api_version": {
        "en": "The daemon's API version is refused: clients need at least API 1.40.",
        "fr": "La version d'API du démon est refusée : il faut au moins l'API 1.40 côté client.",
    },
    "error.not_http": {
        "en": "Something answered, but not in HTTP: is this really a Docker daemon?",
        "fr": "Quelque chose a répondu, mais pas en HTTP : est-ce vraiment un démon Docker ?",
    },
    "error.not_dialable": {
        "en": "hellotrace cannot dial this kind of address.",
        "fr": "hellotrace ne sait pas joindre ce type d'adresse.",
    },
    "error.other": {
        "en": "The connection to the daemon failed.",
        "fr": "La connexion au démon a échoué.",
    },
}

ERROR_KEYS = {
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
}


def error_key(kind: str) -> str:
    return ERROR_KEYS.get(kind, "error.other")
