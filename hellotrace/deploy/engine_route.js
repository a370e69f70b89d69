// hellotrace: which node's engine a connection on the public engine port goes to.
// nginx's stream module reads the first request line before choosing the upstream: a sandbox is named
// <node>-<token> (`/sandboxes/<node>-<token>/v1.55/...`), and a docker CLI or curl keeps one DOCKER_HOST,
// so one sandbox, per connection. Routed as a TCP stream, a hijacked attach keeps working after the client
// half-closes its side (`proxy_half_close`), which nginx's HTTP proxy does not allow.
function route(s) {
    var seen = '';
    s.on('upload', function (data, flags) {
        seen += data;
        if (seen.indexOf('\n') < 0 && !flags.last && seen.length < 8192) {
            return;
        }
        var found = /^[A-Z]+ \/sandboxes\/([a-z0-9]+)-/.exec(seen);
        s.variables.hellotrace_node = found ? found[1] : '';
        s.off('upload');
        s.done();
    });
}

export default {route};
