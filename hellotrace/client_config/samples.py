"""The sample configuration of the source article, exactly as printed, and the file it meant to show.

The article's sample is not JSON: `plugin2` and `proxies` sit inside `plugin1`, two closing braces are
missing and a comma comes right before a `}`. Docker CLI 28 prints
`WARNING: Error parsing config file (…): invalid character '}' looking for beginning of object key string`
and runs with no configuration at all. The corrected file keeps every property the article meant, with
these changes (codes for the web layer, in the order they appear in the file):
"""

from __future__ import annotations

ARTICLE_SAMPLE = """{
"HttpHeaders":{ "MyHeader":"MyValue" },
"psFormat":"table {{.ID}}\\\\t{{.Image}}\\\\t{{.Command}}\\\\t{{.Labels}}",
"imagesFormat":"table {{.ID}}\\\\t{{.Repository}}\\\\t{{.Tag}}\\\\t{{.CreatedAt}}",
"pluginsFormat":"table {{.ID}}\\t{{.Name}}\\t{{.Enabled}}",
"statsFormat":"table {{.Container}}\\t{{.CPUPerc}}\\t{{.MemUsage}}",
"servicesFormat":"table {{.ID}}\\t{{.Name}}\\t{{.Mode}}",
"secretFormat":"table {{.ID}}\\t{{.Name}}\\t{{.CreatedAt}}\\t{{.UpdatedAt}}",
"configFormat":"table {{.ID}}\\t{{.Name}}\\t{{.CreatedAt}}\\t{{.UpdatedAt}}",
"serviceInspectFormat":"pretty",
"nodesFormat":"table {{.ID}}\\t{{.Hostname}}\\t{{.Availability}}",
"detachKeys":"ctrl-e,e",

"stackOrchestrator":"kubernetes",
"plugins":{
"plugin1":{
"option":"value",
"plugin2":{
    "anotheroption":"anothervalue",
    "athirdoption":"athirdvalue"
},
"proxies":{
    "default":{
        "httpProxy":"http://user:pass@example.com:3128",
        "httpsProxy":"http://user:pass@example.com:3128",
        "noProxy":"http://user:pass@example.com:3128",
        "ftpProxy":"http://user:pass@example.com:3128"
    },
    "https://manager1.mycorp.example.com:2377":{
        "httpProxy":"http://user:pass@example.com:3128",
        "httpsProxy":"http://user:pass@example.com:3128"
    },
}
}
"""

CORRECTED_SAMPLE = """{
  "HttpHeaders": { "MyHeader": "MyValue" },
  "psFormat": "table {{.ID}}\\\\t{{.Image}}\\\\t{{.Command}}\\\\t{{.Labels}}",
  "imagesFormat": "table {{.ID}}\\\\t{{.Repository}}\\\\t{{.Tag}}\\\\t{{.CreatedAt}}",
  "pluginsFormat": "table {{.ID}}\\t{{.Name}}\\t{{.Enabled}}",
  "statsFormat": "table {{.Container}}\\t{{.CPUPerc}}\\t{{.MemUsage}}",
  "servicesFormat": "table {{.ID}}\\t{{.Name}}\\t{{.Mode}}",
  "secretFormat": "table {{.ID}}\\t{{.Name}}\\t{{.CreatedAt}}\\t{{.UpdatedAt}}",
  "configFormat": "table {{.ID}}\\t{{.Name}}\\t{{.CreatedAt}}\\t{{.UpdatedAt}}",
  "serviceInspectFormat": "pretty",
  "nodesFormat": "table {{.ID}}\\t{{.Hostname}}\\t{{.Availability}}",
  "detachKeys": "ctrl-e,e",
  "plugins": {
    "plugin1": {
      "option": "value"
    },
    "plugin2": {
      "anotheroption": "anothervalue",
      "athirdoption": "athirdvalue"
    }
  },
  "proxies": {
    "default": {
      "httpProxy": "http://user:pass@example.com:3128",
      "httpsProxy": "http://user:pass@example.com:3128",
      "noProxy": "localhost,127.0.0.1,.mycorp.example.com",
      "ftpProxy": "http://user:pass@example.com:3128"
    },
    "tcp://manager1.mycorp.example.com:2377": {
      "httpProxy": "http://user:pass@example.com:3128",
      "httpsProxy": "http://user:pass@example.com:3128"
    }
  }
}
"""

# What "fix it" changed, each with the line of the article's sample it concerns.
CORRECTIONS: tuple[tuple[str, int], ...] = (
    ("stack_orchestrator_removed", 14),
    ("plugins_siblings", 18),
    ("no_proxy_list", 26),
    ("proxy_key_tcp", 29),
    ("trailing_comma", 32),
    ("closing_braces", 34),
)
