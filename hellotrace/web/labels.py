"""What each code the lower layers hand up (a status, a reason, an error kind…) says to the reader.

The lower layers name a case with a short code; the page shows the message for it, marked here for
extraction and translated when rendered (templates call `_(labels.TABLE[code], …)`).
"""

from __future__ import annotations

from hellotrace.messages import N_

CHALLENGES_REASON = {
    "nothing_yet": N_("Not yet: your sandbox has received nothing that does it. Check that DOCKER_HOST is your "
                      "sandbox's, run your commands, then check again."),
    "wrong_answer": N_("Your sandbox did receive the exercise, but that is not the value it shows. Look again at "
                       "what your terminal printed."),
    "answer_needed": N_("This challenge also asks for the value you found: type it, then check again."),
    "answer_too_long": N_("That value is too long (40 characters at most): type only the value asked for."),
    "untraced": N_("Nothing can be checked: this site does not record what its daemon receives."),
}

CLASS_ERROR = {
    "unknown": N_("No class has this code. Check the code on the teacher's screen (no 0, O, 1 or I in it) and type "
                  "it again."),
    "ended": N_("This class has ended, so nobody can join it any more. Ask the teacher for the code of a new class."),
    "full": N_("This class is full: it has reached its number of students. Ask the teacher to open another class."),
    "name_empty": N_("Give a name so the teacher knows who you are (a first name is enough)."),
    "name_too_long": N_("This name is longer than 40 characters: shorten it, then join again."),
    "name_invalid": N_("This name contains invisible control characters: type it again with letters, digits and "
                       "spaces."),
    "title_too_long": N_("This title is longer than 120 characters: shorten it, then create the class."),
    "title_invalid": N_("This title contains invisible control characters: type it again."),
    "not_teacher": N_("Only the browser that created this class can present it, and this one does not hold its "
                      "teacher key. Open the class from that browser, or start a new class here."),
    "not_student": N_("This browser has not joined this class yet: join it with its code first."),
    "bad_position": N_("That place in the replay does not exist (steps go from 1 to 4). Move with the arrows or "
                       "the step buttons."),
    "bad_push": N_("That lesson or question does not exist in this language. Choose one from the list."),
}

DIAGRAM_LANE = {
    "daemon": N_("daemon"),
    "registry": N_("registry"),
    "curl": N_("curl"),
    "cli": N_("docker CLI"),
    "client": N_("client"),
}

ERRORPAGE_TEXT = {
    "404": N_("No hellotrace page lives at this address. The menu above leads to the replay."),
    "403": N_("This hellotrace talks to a real Docker daemon and is shared on the network, so it only lets in "
              "visitors who opened the link the presenter gave (it ends with ?token=…). Ask for it."),
    "4xx": N_("The request could not be handled as sent. Go back to the previous page and try again."),
    "csrf": N_("Nothing was done: the request did not carry this site's security token. It came from an old page, "
               "from another site, or from a browser that does not keep this site's cookie. Reload the page, then "
               "try again."),
    "session": N_("Nothing was done: this request came without the site's cookie, so it belongs to no visitor. "
                  "Open the page first (your browser must accept this site's cookie), then use its buttons."),
    "host": N_("This request names the site %(given)s, a name hellotrace was not told to answer to. It refuses it "
               "so that a page on another site cannot reach it by pointing its own name at this machine (DNS "
               "rebinding). Nothing was done."),
    "too_large": N_("Nothing was sent: this is more than the site accepts in one request (%(limit)s KiB). What you "
                    "typed is still on the page: shorten it, then try again."),
    "5xx": N_("hellotrace hit an unexpected error; it is written in its log. Reload the page to try again."),
}

ERRORPAGE_TITLE = {
    "404": N_("Page not found"),
    "403": N_("Presenter's link needed"),
    "4xx": N_("Request refused"),
    "csrf": N_("This form has expired"),
    "session": N_("No session yet"),
    "host": N_("Unknown site name"),
    "too_large": N_("Too much at once"),
    "5xx": N_("Internal error"),
}

ERROR_BY_KIND = {
    "stream_cut": N_("The daemon closed the connection in the middle of its answer; what had arrived is shown "
                     "above. This happens when the daemon stops or restarts: run the step again."),
    "socket_missing": N_("The daemon's socket does not exist: is the daemon running? Start it, or point hellotrace "
                         "at another address with --daemon."),
    "connection_refused": N_("Nothing accepts connections at that address: the daemon is not running there, or "
                             "listens elsewhere."),
    "permission_denied": N_("Permission denied on the socket. The Docker socket belongs to root and the docker "
                            "group; being in that group is equivalent to being root on the host."),
    "host_unknown": N_("The daemon's host name does not resolve."),
    "connect_timeout": N_("The daemon took too long to answer."),
    "read_timeout": N_("The daemon took too long to answer."),
    "exchange_timeout": N_("The daemon took too long to answer."),
    "api_version_unsupported": N_("The daemon's API version is refused: clients need at least API 1.40."),
    "api_version_invalid": N_("The daemon's API version is refused: clients need at least API 1.40."),
    "not_http": N_("Something answered, but not in HTTP: is this really a Docker daemon?"),
    "not_dialable": N_("hellotrace cannot dial this kind of address."),
    "refused_by_policy": N_("hellotrace did not send this call. With a real daemon it only sends what the lessons "
                            "need: a Docker socket is root on its host."),
}

FIGURE_CAPTION = {
    "cli": N_("Step %(n)s, “%(title)s”: what the docker CLI sends, as the replay draws it (sequence “What the "
              "docker CLI really sends”)."),
    "recipe": N_("Step %(n)s, “%(title)s”: the curl recipe's calls, as the replay draws them."),
}
# After the caption of a figure whose paths name a container (the replay's own placeholder).
FIGURE_CONTAINER_NOTE = N_("%(placeholder)s stands for the container's ID.")

HAR_ERROR = {
    "nothing_changed": N_("Nothing was changed. Choose another file, for instance the HAR export of the replay "
                          "page."),
    "no-file": N_("No file was sent: choose a HAR file first."),
    "empty": N_("%(name)s is empty."),
    "too-big": N_("The file is too big (%(size)s): files up to %(limit)s are accepted."),
    "not-json": N_("%(name)s is not JSON text, so it cannot be a HAR file."),
    "not-har": N_("%(name)s is JSON but not HAR: it has no log with a list of entries."),
    "version": N_("%(name)s says it is HAR version %(version)s; only versions 1.x can be read."),
    "too-many": N_("%(name)s holds %(count)s exchanges; at most %(limit)s can be shown."),
    "bad-entry": N_("Entry %(n)s of %(name)s is malformed (a request or response field is missing or of the wrong "
                    "type)."),
}

LAB_COMMAND_ERROR = {
    "too_long": N_("The line is too long."),
    "unbalanced_quotes": N_("A quote is not closed: a shell would wait for the rest of the line."),
    "not_docker": N_("The line should start with docker (optionally after NAME=value words)."),
    "unknown_flag": N_("Unknown option."),
    "missing_value": N_("An option lacks its value."),
    "invalid_value": N_("An option's value is invalid."),
    "unknown_command": N_("Unknown command."),
    "wrong_arguments": N_("Wrong number of arguments."),
}

LAB_CONFIG_CONSEQUENCE = {
    "syntax_error": N_("The decoder checks the whole value before storing anything: the CLI runs with no "
                       "configuration at all — no headers, no formats, no proxies, nothing."),
    "type_error": N_("Go keeps decoding after a type error: every other property is used; the faulty one keeps its "
                     "empty value (a map entry stays, with an empty value)."),
    "not_object": N_("The CLI expects a single object, { … }, holding its properties. Go refuses this value as a "
                     "whole: with no property to use, the CLI runs with no configuration at all — as with an empty "
                     "file, but with the warning."),
    "auth_error": N_("The file was decoded before the credentials were checked: everything in it is used."),
}

LAB_CONFIG_ERROR = {
    "syntax_error": N_("Not JSON."),
    "type_error": N_("A value of the wrong type."),
    "not_object": N_("Not a JSON object."),
    "auth_error": N_("Unreadable credentials."),
}

LAB_FIX = {
    "title": N_("The corrected file"),
    "intro": N_("The editor now holds the file the article meant to show. What changed, by line of the article's "
                "sample:"),
    "stack_orchestrator_removed": N_("line %(line)s: stackOrchestrator is gone — ignored since Docker 23.0, "
                                     "removed from the file's format in 24.0."),
    "plugins_siblings": N_("line %(line)s: plugin2 and proxies were inside plugin1; plugin2 now sits next to "
                           "plugin1, and proxies at the top level."),
    "no_proxy_list": N_("line %(line)s: noProxy held a proxy URL; it is a comma-separated list of hosts, domains "
                        "and CIDRs that bypass the proxy."),
    "proxy_key_tcp": N_("line %(line)s: the per-daemon key is compared with the daemon address as the CLI writes "
                        "it (tcp://host:port); an https:// key never matches."),
    "trailing_comma": N_("line %(line)s: the comma before the closing brace is gone (JSON allows no trailing "
                         "comma)."),
    "closing_braces": N_("line %(line)s: the two missing closing braces are added."),
}

LAB_FORMAT_SOURCE = {
    "flag": N_("from --format."),
    "file": N_("from %(property)s in config.json."),
    "default": N_("Docker's default table."),
}

LAB_HEADER = {
    "sent": N_("Sent on every request."),
    "replaced_by_cli": N_("Never sent: the CLI always sets its own User-Agent (Docker-Client/28.2.2)."),
    "dropped_by_go": N_("Never sent: Go's HTTP client writes this header from the request itself."),
    "sometimes_overridden": N_("Sent, except where the CLI sets it itself: %(detail)s."),
    "invalid_name": N_("Not a valid header name (no spaces, no special characters): Go refuses to send anything."),
    "invalid_value": N_("The value holds a control character: Go refuses to send anything."),
    "duplicate": N_("Same name as another key once canonicalized: only one is sent, chosen by Go's random map "
                    "order."),
    "renamed": N_("Note the spelling: Go sends it as %(wire)s."),
}

LAB_HEADERS_INTRO = {
    "env": N_("From DOCKER_CUSTOM_HEADERS; HttpHeaders is not used at all."),
    "file": N_("From HttpHeaders. The CLI does not interpret them; Go writes them, canonicalized and sorted."),
    "none": N_("No custom headers."),
}

LAB_HEADER_REQUESTS = {
    "json_body": N_("requests with a JSON body"),
    "registry": N_("pull and push"),
    "upgrade": N_("attach and exec (HTTP Upgrade)"),
}

LAB_HOST_DEFAULT = {
    "nothing_set": N_("nothing set: the local socket %(value)s"),
    "nothing_set_tls": N_("nothing set and TLS on: %(value)s"),
    "default_unix_socket": N_("socket path %(value)s"),
    "default_named_pipe": N_("named pipe %(value)s"),
    "default_http_host": N_("host %(value)s"),
    "default_http_port": N_("port %(value)s — an explicit tcp:// address gets 2375 even with TLS"),
    "default_tls_port": N_("port %(value)s, only because nothing was set and TLS is on"),
    "scheme_tcp": N_("scheme %(value)s: no scheme given"),
}

LAB_HOST_NOTE = {
    "whitespace_trimmed": N_("spaces around the address are removed."),
    "scheme_inferred_tcp": N_("without “://”, the CLI assumes tcp://."),
    "path_taken_as_tcp_prefix": N_("a bare path is not a socket: without unix:// it becomes a TCP address with a "
                                   "path prefix."),
    "path_prefix": N_("the path after the port is put in front of every request path."),
    "userinfo_dropped": N_("user@ in a tcp:// address is dropped: no credentials are sent."),
    "query_dropped": N_("the ?query part is dropped."),
    "fragment_dropped": N_("the #fragment part is dropped."),
    "relative_socket_path": N_("a relative socket path is taken from the current directory."),
}

LAB_HOST_SCHEME = {
    "unix": N_("a unix socket, a file on this machine"),
    "tcp": N_("TCP, plain HTTP unless TLS is on"),
    "ssh": N_("SSH: the CLI runs ssh, then docker system dial-stdio on the remote machine"),
    "npipe": N_("a Windows named pipe"),
    "fd": N_("a file descriptor handed over by systemd — a daemon-side form"),
}

LAB_HOST_WHY = {
    "daemon_side_only": N_("fd:// is how systemd hands dockerd its sockets; no client can dial it (the CLI fails "
                           "too)."),
    "ssh_not_supported": N_("the docker CLI can (through ssh); hellotrace speaks HTTP over sockets only."),
    "named_pipe_windows": N_("named pipes exist on Windows only."),
    "tls_not_supported": N_("the docker CLI can, with its certificates; hellotrace speaks plain HTTP only."),
    "port_out_of_range": N_("the CLI accepts any digits as a port, but no connection can be made to this one."),
}

LAB_KEY = {
    "case_folded": N_("matches %(field)s without regard to case, as Go's decoder allows."),
    "unknown": N_("unknown to the CLI: silently ignored."),
    "removed": N_("no longer used (ignored since Docker 23.0, out of the file's format since 24.0): swarm is the "
                  "only orchestrator."),
    "repeated": N_("given again: the later string wins, maps are merged."),
}

LAB_LAYER = {
    "flag": N_("option"),
    "env": N_("environment"),
    "file": N_("config.json"),
    "default": N_("default"),
    "none": N_("not used"),
}

LAB_PROP = {
    "auths": N_("stored registry credentials (auth is base64 of user:password — readable by anyone who reads the "
                "file)."),
    "HttpHeaders": N_("headers added to every request to the daemon; they cannot replace the CLI's own."),
    "psFormat": N_("default --format of docker ps."),
    "imagesFormat": N_("default --format of docker images."),
    "networksFormat": N_("default --format of docker network ls."),
    "pluginsFormat": N_("default --format of docker plugin ls."),
    "volumesFormat": N_("default --format of docker volume ls."),
    "statsFormat": N_("default --format of docker stats."),
    "detachKeys": N_("default key sequence to detach from a container (--detach-keys overrides it)."),
    "credsStore": N_("credential helper program docker-credential-<name> for every registry."),
    "credHelpers": N_("a credential helper per registry, before credsStore."),
    "serviceInspectFormat": N_("default --format of docker service inspect."),
    "servicesFormat": N_("default --format of docker service ls."),
    "tasksFormat": N_("default --format of docker stack ps."),
    "secretFormat": N_("default --format of docker secret ls."),
    "configFormat": N_("default --format of docker config ls."),
    "nodesFormat": N_("default --format of docker node ls."),
    "pruneFilters": N_("default --filter values of the prune commands."),
    "proxies": N_("proxy variables handed to containers and builds, per daemon address or default."),
    "currentContext": N_("the context chosen by docker context use (DOCKER_HOST, DOCKER_CONTEXT and the options "
                         "beat it)."),
    "cliPluginsExtraDirs": N_("extra folders where the CLI looks for plugins."),
    "plugins": N_("settings per CLI plugin: a map from plugin name to its options, read by that plugin only."),
    "aliases": N_("command aliases (for example builder → buildx)."),
    "features": N_("optional CLI features (such as hooks)."),
    "experimental": N_("no longer used: experimental CLI features are always on since Docker 20.10."),
}

LAB_PROXIES_KEY = {
    "not_an_address": N_("no -H or DOCKER_HOST can ever be written like this: this entry is never used."),
    "not_normalized": N_("the CLI writes this address %(normalized)s: as typed, the key never matches."),
}

LAB_PROXIES_NO_PROXY = {
    "url": N_("noProxy holds “%(entry)s”, a URL: noProxy lists hosts, domains (.example.com), IPs or CIDRs that "
              "bypass the proxy, separated by commas."),
    "empty_entry": N_("noProxy has an empty entry (two commas in a row, or a comma at an end)."),
}

LAB_PROXIES_STATUS = {
    "set": N_("yes, from %(source)s"),
    "user_given": N_("no: your -e gives this exact name"),
}

LAB_REASON = {
    "log_level.debug": N_("-D turns debug mode on, whatever --log-level says."),
    "log_level.flag": N_("Set by --log-level."),
    "log_level.default": N_("Nothing asks otherwise; no variable or property sets it."),
    "config_dir.flag": N_("--config beats DOCKER_CONFIG and the default."),
    "config_dir.env": N_("DOCKER_CONFIG is set and no --config overrides it."),
    "config_dir.default": N_("Neither --config nor DOCKER_CONFIG: .docker in your home directory."),
    "context.flag": N_("--context comes first in the CLI's order and ignores DOCKER_HOST."),
    "context.host_flag": N_("-H selects the default context, with this address."),
    "context.docker_host": N_("DOCKER_HOST is set: it selects the default context, and beats DOCKER_CONTEXT and "
                              "currentContext."),
    "context.env": N_("DOCKER_CONTEXT is set, with no -H, --context or DOCKER_HOST above it."),
    "context.file": N_("currentContext in config.json (what docker context use writes)."),
    "context.default": N_("Nothing chooses a context: the default one, built from -H, DOCKER_HOST and TLS options."),
    "tls.flag_tlsverify": N_("--tlsverify: TLS with the server's certificate checked against the CA."),
    "tls.flag_tlsverify_false": N_("Giving --tlsverify at all turns TLS on, even =false; then the server is not "
                                   "verified."),
    "tls.flag_tls": N_("--tls: TLS without verifying the server (unless DOCKER_TLS_VERIFY is set)."),
    "tls.flag_tls_false": N_("--tls=false keeps TLS off."),
    "tls.env_verify": N_("DOCKER_TLS_VERIFY is set: TLS with verification."),
    "tls.env_verify_forced": N_("--tls=false cannot win: DOCKER_TLS_VERIFY turns verification on, and verification "
                                "implies TLS."),
    "tls.env_tls": N_("DOCKER_TLS is set: TLS without verification."),
    "tls.default": N_("No option and no variable asks for TLS."),
    "tls.any_value": N_("DOCKER_TLS_VERIFY=%(value)s still turns verification on: the CLI only checks that it is "
                        "not empty."),
    "host.from_context": N_("The address comes from context %(name)s, not from DOCKER_HOST."),
    "host.several": N_("-H was given %(count)s times."),
    "host.invalid": N_("Refused: %(error)s"),
    "host.flag": N_("-H beats DOCKER_HOST."),
    "host.env": N_("DOCKER_HOST, normalized as the CLI does."),
    "host.default": N_("Neither -H nor DOCKER_HOST: the local unix socket."),
    "host.default_tls": N_("Neither -H nor DOCKER_HOST, and TLS is on: tcp://localhost:2376."),
    "cert_path.env": N_("DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem."),
    "cert_path.default": N_("No DOCKER_CERT_PATH: the configuration folder that DOCKER_CONFIG (or the default) "
                            "names."),
    "cert_path.unused": N_("TLS is off: no certificate is read."),
    "cert_path.files": N_("CA %(ca)s, certificate %(cert)s, key %(keyfile)s."),
    "cert_path.not_config_flag": N_("--config does not move it: the default is fixed before the options are read."),
    "cert_path.file_flags": N_("--tlscacert, --tlscert and --tlskey name single files and beat the folder."),
    "api_version.env": N_("DOCKER_API_VERSION fixes the version: no negotiation, every path starts with it."),
    "api_version.negotiated": N_("The CLI pings the daemon and keeps the lower of its own version (%(max)s for CLI "
                                 "28.2) and the daemon's."),
    "headers.env": N_("DOCKER_CUSTOM_HEADERS (%(count)s on the wire) replaces HttpHeaders as a whole — it does not "
                      "merge."),
    "headers.env_error": N_("DOCKER_CUSTOM_HEADERS cannot be read: the CLI stops."),
    "headers.file": N_("HttpHeaders (%(count)s on the wire): added to every request, the ping included."),
    "headers.file_unsent": N_("HttpHeaders is set, but not one of its headers reaches the wire."),
    "headers.unsent": N_("Never on the wire: %(names)s (details below)."),
    "headers.blocked": N_("An invalid header makes Go refuse every request: nothing is sent (details below)."),
    "headers.none": N_("Neither HttpHeaders nor DOCKER_CUSTOM_HEADERS."),
    "format.flag": N_("--format beats %(property)s."),
    "format.flag_quiet": N_("--format and -q together: the CLI warns and prints only the IDs."),
    "format.file": N_("No --format: %(property)s from config.json."),
    "format.quiet_over_file": N_("-q prints the IDs only; %(property)s is not used."),
    "format.quiet": N_("-q prints the IDs only."),
    "format.default": N_("Neither --format nor %(property)s: Docker's default table."),
    "format.flag_only": N_("docker %(command)s has --format but no config.json property."),
    "format.not_applicable": N_("This command has no --format: the *Format properties do not apply (type docker ps "
                                "or docker images)."),
    "detach.flag": N_("--detach-keys beats detachKeys."),
    "detach.file": N_("detachKeys from config.json; the CLI sends it to the daemon as ?detachKeys= on attach."),
    "detach.default": N_("Docker's default: Ctrl-P then Ctrl-Q."),
    "detach.invalid": N_("Not a valid sequence: the daemon answers 400 “%(daemon)s”, and the CLI falls back to "
                         "Ctrl-P Ctrl-Q."),
    "detach.not_attaching": N_("Only used when the CLI attaches: run and exec without -d, start -a, attach."),
    "proxies.none": N_("No proxies in config.json."),
    "proxies.default": N_("No key equals %(host)s: the default entry applies."),
    "proxies.host": N_("The key equals the daemon address %(host)s: that entry alone applies, default is ignored."),
    "proxies.no_match": N_("No key equals %(host)s and there is no default entry: no variable is added."),
    "proxies.not_this_command": N_("Used by docker run, docker create and docker build, not by this command."),
    "plugins.file": N_("%(count)s plugin sections: each CLI plugin reads its own, the CLI itself ignores them."),
    "plugins.none": N_("No plugins section."),
    "orchestrator.ignored": N_("Ignored since Docker 23.0: Kubernetes stacks are gone, swarm is the only "
                               "orchestrator."),
    "orchestrator.none": N_("swarm, the only orchestrator since Docker 23.0."),
}

LAB_SETTING = {
    "log_level": N_("Log level"),
    "config_dir": N_("Configuration directory"),
    "context": N_("Context"),
    "tls": N_("TLS"),
    "host": N_("Daemon address"),
    "cert_path": N_("Certificates folder"),
    "api_version": N_("API version"),
    "http_headers": N_("Custom HTTP headers"),
    "format": N_("Output format"),
    "detach_keys": N_("Detach keys"),
    "proxies": N_("Container proxies"),
    "plugins": N_("Plugin settings"),
    "stack_orchestrator": N_("Stack orchestrator"),
}

LAB_STATUS = {
    "ok": N_("config.json: valid"),
    "empty": N_("config.json: empty, no configuration"),
    "syntax_error": N_("config.json: not JSON, line %(line)s, column %(column)s"),
    "type_error": N_("config.json: wrong type, line %(line)s, column %(column)s"),
    "not_object": N_("config.json: not a JSON object"),
    "auth_error": N_("config.json: unreadable credentials"),
    "not_read": N_("config.json: not read"),
    "cli_stops": N_("the CLI stops"),
    "details": N_("Details ↓"),
}

LAB_STOP = {
    "conditional": N_("The lab has no contexts and no certificate files; on your machine this depends on what "
                      "exists there."),
    "unknown_flag": N_("Exit status 125: this option does not exist at this place of the command line (global "
                       "options go before the command)."),
    "missing_value": N_("Exit status 125: this option needs a value."),
    "invalid_value": N_("Exit status 125: the value does not fit the option's type."),
    "unknown_command": N_("docker has no such command (nor a plugin by that name here)."),
    "wrong_arguments": N_("The command does not take this number of arguments."),
    "conflict": N_("--context and -H both choose the daemon: the CLI refuses to guess, before even reading "
                   "config.json."),
    "log_level": N_("--log-level takes panic, fatal, error, warn, info, debug or trace."),
    "context_not_found": N_("A named context lives in the contexts folder of the configuration directory; without "
                            "it the CLI cannot know the daemon's address."),
    "several_hosts": N_("The client talks to one daemon: -H may be given once (only dockerd accepts several)."),
    "invalid_host": N_("The CLI cannot read this daemon address; the DOCKER_HOST tab explains every accepted form."),
    "fd_host": N_("fd:// is the daemon's side of systemd socket activation: the client has nothing to dial."),
    "npipe_host": N_("Named pipes exist on Windows only: on Linux and macOS the CLI refuses npipe://."),
    "tls_files": N_("With TLS on, the CLI loads ca.pem first (cert.pem and key.pem only if they exist); a missing "
                    "CA file stops it."),
    "custom_headers": N_("DOCKER_CUSTOM_HEADERS must be comma-separated key=value pairs (CSV quoting allowed)."),
    "api_version": N_("An API version is <major>.<minor>, such as 1.41. Here the lab follows docker CLI 29, which "
                      "checks it and sends nothing. CLI 28, which the lab follows elsewhere, puts the text into "
                      "every path as is (GET /vabc/containers/json) and prints the daemon's 404, page not found: "
                      "hellotrace never sends such a path."),
    "invalid_header": N_("Go's HTTP client refuses to send a request with this header: every call fails, the ping "
                         "included."),
    "format_template": N_("docker ps tries its format once, on no container, before asking the daemon anything: "
                          "a template that does not parse or run stops it there, with exit status 1."),
}

NOTE = {
    "negotiated": N_("The daemon advertises API %(server)s; the client will use /v%(version)s/ in front of every "
                     "path."),
    # The platform's name is the daemon's own, in its own language (a real one says "Docker Engine - Community").
    "daemon-version": N_("Daemon: “%(platform)s”, version %(version)s."),
    "image-missing": N_("404: “%(message)s”. This is what triggers the pull."),
    "image-present": N_("The image is already there: create succeeded at once, so there is no pull (this is what a "
                        "second docker run does). Use Reset to see the pull again."),
    "pulled": N_("The image is now in the daemon's store."),
    "created": N_("Container %(id).12s created."),
    "created-in-step-2": N_("No create in this step: the image was already there, so the create already succeeded "
                            "in step 2 (201). This step uses the container made then, %(id).12s."),
    "started": N_("Container %(id).12s started."),
    "exited": N_("The container exited with status %(code)s."),
    "contact-failed": N_("The client could not talk to the daemon."),
    "unexpected-answer": N_("The daemon gave an answer the client did not expect (%(label)s: %(status)s). "
                            "%(message)s"),
    "transport-error": N_("The call did not complete."),
    "pull-failed": N_("The pull failed: %(message)s. A real daemon needs its registry (or a mirror); an offline "
                      "machine cannot pull."),
    "timeout": N_("The container's output or exit status did not come back in time."),
    "internal-error": N_("hellotrace itself failed during this step (%(detail)s). Please report it."),
    "pull-cut": N_("The daemon closed the connection during the pull: the progress stream stopped halfway."),
    "pull-rate-limited": N_("The registry refused the pull: too many pulls from this address (Docker Hub's rate "
                            "limit). Wait, log in, or use a mirror. %(message)s"),
}

PACE = {
    "step": N_("Step by step"),
    "slow": N_("Slow"),
    "normal": N_("Normal"),
    "instant": N_("Instant"),
}

POLICY = {
    "route": N_("%(detail)s is not one of the calls the lessons use."),
    "import": N_("Importing an image (fromSrc) is not used by the lessons."),
    "all-tags": N_("Pulling every tag of %(detail)s is not allowed: name a tag."),
    "image": N_("The image %(detail)s is not in the list hellotrace may use with a real daemon."),
    "list-unfiltered": N_("Listing every container of the host is not allowed: only hellotrace's own (label "
                          "%(detail)s)."),
    "list-images-unfiltered": N_("Listing every image of the host is not allowed: name the images with a reference "
                                 "filter (%(detail)s), for example docker images hello-world."),
    "filters": N_("The filters parameter is not one the daemon reads (%(detail)s): it expects JSON such as "
                  "{\"label\":{\"org.hellotrace.replay\":true}}."),
    "target": N_("The path %(detail)s is not written plainly (escapes, empty or dot segments): the daemon could "
                 "read it otherwise than hellotrace does."),
    "api-version": N_("API version %(detail)s is not one hellotrace sends to a real daemon: it must be 1.N, from "
                      "1.24 on (older versions still let start change a container's host settings)."),
    "body": N_("%(detail)s takes no body: only container creation does, and its body is checked."),
    "query": N_("The query %(detail)s is not one Go reads without error (a ; or a bad %% escape)."),
    "header": N_("The header %(detail)s changes how the daemon reads the request: the client writes it itself."),
    "form-body": N_("A form body (%(detail)s) is read by the daemon as query parameters: refused."),
    "not-ours": N_("Container %(detail)s was not created by hellotrace: it is left alone."),
    "stdin": N_("Attaching to a container's standard input is not allowed."),
    "create-body": N_("The container configuration is not a JSON object (%(detail)s)."),
    "create-key": N_("The setting %(detail)s is not needed by the lessons and is refused."),
    "create-label": N_("Containers created through hellotrace must carry its label %(detail)s."),
    "host-config": N_("The host setting %(detail)s could give the container power over the host: refused."),
}

QUIZ = {
    "title": N_("Check your understanding"),
    "intro": N_("Answer each question, then check it: the explanation comes with the verdict."),
    "your_answer": N_("Your answer"),
    "check": N_("Check"),
    "right": N_("Correct."),
    "wrong": N_("Not quite."),
    "try_again": N_("Read the hint, then try again: the explanation comes after your second answer."),
    "hint": N_("Hint:"),
    "unknown_question": N_("This lesson has no question “%(qid)s”: answer the questions at the end of the page."),
    "missing": N_("No answer was sent: choose or type one, then check again."),
    "invalid": N_("That answer is not one of the choices: pick one of the options above."),
    "too_long": N_("That answer is too long: a few words are enough (200 characters at most)."),
}

REPLAY_SEQUENCE = {
    "recipe": N_("The curl recipe"),
    "recipe.help": N_("create → 404 No such image → pull → create → start → wait → logs: what you would type."),
    "cli": N_("What the docker CLI really sends"),
    "cli.help": N_("one ping and version negotiation (as docker CLI 28.2.2 does) → create → 404 → pull → create → "
                   "attach (HTTP Upgrade, 101) → wait → start → output frames → exit status."),
    "apply": N_("Use this sequence"),
}

REPLAY_SEQUENCE_HELP = {
    "recipe": N_("create → 404 No such image → pull → create → start → wait → logs: what you would type."),
    "cli": N_("one ping and version negotiation (as docker CLI 28.2.2 does) → create → 404 → pull → create → "
              "attach (HTTP Upgrade, 101) → wait → start → output frames → exit status."),
}

# What each step explains, for each sequence. Step 2 sends the same calls in both (one text); the others do not
# (hellotrace.replay.PLANNED). In step 1 the recipe also asks GET /version, and its paths carry the lessons'
# version (Docker 29.7's), while the CLI sequence, docker CLI 28.2.2, speaks up to 1.50
# (hellotrace.replay.CLIENT_API_VERSION). In steps 3 and 4 the recipe creates then starts, and reads the exit
# status then the logs, while the CLI opens attach and wait before start and reads both of them in step 4.
_STEP_1_RECIPE = N_("Before anything else the client pings the daemon (HEAD /_ping). The answer's Api-Version "
                    "header tells which API the daemon speaks; the recipe keeps the lower of that and 1.55, the "
                    "version the lessons write, and puts it in front of every later path (/v1.55/… with Docker "
                    "29.7). GET /version then names the daemon.")
_STEP_1_CLI = N_("Before anything else the client pings the daemon (HEAD /_ping). The answer's Api-Version header "
                 "tells which API the daemon speaks; the client keeps the lower of its own and the daemon's, and "
                 "puts it in front of every later path. Docker CLI 28.2.2 speaks up to 1.50: with Docker 29.7 "
                 "(1.55) its paths start with /v1.50/.")
_STEP_2_TEXT = N_("The client asks to create a container from hello-world. The daemon does not have the image and "
                  "answers 404 No such image — that 404 is what makes the client ask for a pull (POST "
                  "/images/create), whose progress arrives as one JSON object per line.")
STEP_TEXT = {
    "recipe": {
        1: _STEP_1_RECIPE,
        2: _STEP_2_TEXT,
        3: N_("Now the create succeeds (201, with the container's ID) and the container is started (204). The "
              "answer to start comes at once, without waiting for the program to end. Nothing reads its output "
              "yet: the daemon keeps it for step 4."),
        4: N_("First, wait (condition=not-running) answers once the container is no longer running, with the exit "
              "status in its body. Then logs reads back everything the program wrote, in 8-byte-framed chunks "
              "(stream, then length), which the client decodes and writes to your terminal."),
    },
    "cli": {
        1: _STEP_1_CLI,
        2: _STEP_2_TEXT,
        3: N_("Now the create succeeds (201, with the container's ID). Before it starts the container, the docker "
              "CLI opens attach (an HTTP Upgrade: a 101 answer, then the connection becomes a raw byte channel) "
              "and wait, which answers 200 at once but sends its body only when the container exits. Then it "
              "sends start (204): it can miss neither the output nor the exit status."),
        4: N_("No new request: the program's output arrives on the attach connection opened in step 3, in "
              "8-byte-framed chunks (stream, then length), which the client decodes and writes to your terminal. "
              "Then wait, also open since step 3, sends its body: the exit status."),
    },
}

STEP_TITLE = {
    1: N_("The client contacts the daemon"),
    2: N_("The daemon pulls the image"),
    3: N_("The daemon creates and starts a container"),
    4: N_("The daemon streams the output back"),
}

TRY_REFUSED = {
    "too_long": N_("Not sent: the command is longer than %(detail)s characters. Shorten it and try again."),
    "empty": N_("Not sent: there is no command. Type a curl command, or reload the page to get the lesson's back."),
    "several_commands": N_("Not sent: Try it sends one request, so keep a single curl command on a single line. "
                           "Run longer scripts in your terminal."),
    "shell_expansion": N_("Not sent: “%(detail)s” asks a shell to substitute a value, and Try it never runs a "
                          "shell. Write the value itself, or run the command in your terminal."),
    "not_curl": N_("Not sent: only curl commands (and docker pull) can be tried here, and “%(detail)s” is neither. "
                   "Run it in your terminal, with DOCKER_HOST set as the box at the top of the page shows."),
    "docker_command": N_("Not sent: the only docker command Try it sends is docker pull [-q] IMAGE[:TAG], as the "
                         "request the CLI makes for it, and “%(detail)s” is another one. Run it in your terminal, "
                         "with DOCKER_HOST set as the box at the top of the page shows."),
    "image_reference": N_("Not sent: “%(detail)s” is not an image name the docker CLI accepts (it would refuse it "
                          "before sending anything). Write it like alpine, alpine:3.21 or busybox:1.36.1, in "
                          "lowercase."),
    "unbalanced_quotes": N_("Not sent: a quote is never closed. Check the pairs of ' and \"."),
    "shell_operator": N_("Not sent: “%(detail)s” is a shell operator (pipe, redirection or sequence), and Try it "
                         "sends one request without a shell. Remove it, or run the command in your terminal."),
    "option": N_("Not sent: the option %(detail)s is not supported here. Try it understands the options the "
                 "lessons use: -s, -S, -i, -I, -v, -X, -H, -d, -o, -w, -D, --output and --unix-socket."),
    "missing_value": N_("Not sent: the option %(detail)s needs a value after it."),
    "method": N_("Not sent: “%(detail)s” is not a method Try it sends. Use GET, HEAD, POST, PUT or DELETE."),
    "data_file": N_("Not sent: -d %(detail)s would read a file, and there is none here. Put the body itself in "
                    "single quotes."),
    "socket": N_("Not sent: the command must name --unix-socket /var/run/docker.sock, as the lessons do; Try it "
                 "then sends the request to your own sandbox instead."),
    "url_count": N_("Not sent: give exactly one URL, for example http://localhost/v1.55/version."),
    "headers": N_("Not sent: too many -H headers (10 at most)."),
    "body_too_big": N_("Not sent: the body is larger than %(detail)s bytes."),
    "head_conflict": N_("Not sent: -I sends a HEAD request, which cannot go with -d or another -X method. Keep one "
                        "of them."),
    "body_with_get": N_("Not sent: a %(detail)s request does not carry a body. Remove -d, or choose POST with -X."),
    "header_form": N_("Not sent: the header “%(detail)s” should read -H 'Name: value'."),
    "header_refused": N_("Not sent: the %(detail)s header belongs to the connection, which the client manages "
                         "itself. Remove it. (Attach's HTTP Upgrade, with its 101 answer, is shown in steps 3 and "
                         "4 of the replay's sequence “What the docker CLI really sends”.)"),
    "url": N_("Not sent: the URL must start with http://localhost/ (over a Unix socket, the host name only fills "
              "in the Host header)."),
    "single_slash": N_("Not sent: “%(detail)s” has a single slash after http:, so curl would read what follows as "
                       "a host name and send an unversioned path. Write http://localhost/v1.55/… instead."),
    "path": N_("Not sent: the path %(detail)s is not an Engine API call Try it sends. Use /_ping, or a path that "
               "starts with a version, such as /v1.55/version."),
    "query": N_("Not sent: the query string holds characters Try it does not send. Keep to letters, digits, = & "
                "and %%-escapes."),
    "real_daemon": N_("Not sent: this site talks to a real Docker daemon, which is root on its host, so it only "
                      "receives the lessons' own commands. Edited commands run against hellotrace's mock daemon."),
}

TRY_SAME = {
    "sandbox": N_("The same sandbox from your terminal:"),
    "real": N_("The same daemon from your terminal:"),
}

TRY_WHERE = {
    "sandbox": N_("to your own sandbox"),
    "real": N_("to the site's Docker daemon"),
}

ERROR_OTHER = N_("The connection to the daemon failed.")
