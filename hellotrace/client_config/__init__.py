"""The docker client's configuration as the CLI really applies it: config.json (read with Go's JSON decoder),
environment variables and command-line options, their precedence, and what reaches the daemon.

No Flask here: results are values, layers and reason codes; the web layer words them in each language.
"""

from hellotrace.client_config.command_line import CommandLine, CommandLineError, FlagUse, parse_command_line
from hellotrace.client_config.configfile import (
    AUTH_ERROR,
    EMPTY,
    FIELD_NAMES,
    NOT_OBJECT,
    OK,
    SYNTAX_ERROR,
    TYPE_ERROR,
    ConfigLoad,
    KeyUse,
    config_file_path,
    load_config,
)
from hellotrace.client_config.headers import HeaderFate, HeaderPlan, parse_custom_headers_env, plan_headers
from hellotrace.client_config.listing import (
    Listing,
    ListingOutput,
    ListingRequest,
    format_listing,
    listing_request,
    run_listing,
    send_listing,
)
from hellotrace.client_config.proxies import ProxyPlan, ProxyVariable, check_no_proxy, plan_proxies
from hellotrace.client_config.resolve import (
    CLI_API_VERSION,
    ENV_NAMES,
    Candidate,
    CliStop,
    Reason,
    Resolution,
    Setting,
    resolve,
)
from hellotrace.client_config.samples import ARTICLE_SAMPLE, CORRECTED_SAMPLE, CORRECTIONS
from hellotrace.protocol.gojson import JsonSyntaxError, decode_first_value

__all__ = [
    "ARTICLE_SAMPLE",
    "AUTH_ERROR",
    "CLI_API_VERSION",
    "CORRECTED_SAMPLE",
    "CORRECTIONS",
    "EMPTY",
    "ENV_NAMES",
    "FIELD_NAMES",
    "NOT_OBJECT",
    "OK",
    "SYNTAX_ERROR",
    "TYPE_ERROR",
    "Candidate",
    "CliStop",
    "CommandLine",
    "CommandLineError",
    "ConfigLoad",
    "FlagUse",
    "HeaderFate",
    "HeaderPlan",
    "JsonSyntaxError",
    "KeyUse",
    "Listing",
    "ListingOutput",
    "ListingRequest",
    "ProxyPlan",
    "ProxyVariable",
    "Reason",
    "Resolution",
    "Setting",
    "check_no_proxy",
    "config_file_path",
    "decode_first_value",
    "format_listing",
    "listing_request",
    "load_config",
    "parse_command_line",
    "parse_custom_headers_env",
    "plan_headers",
    "plan_proxies",
    "resolve",
    "run_listing",
    "send_listing",
]
