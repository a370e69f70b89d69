"""hellotrace's mock Docker Engine: a real HTTP/1.1 server that answers like Docker 29.7."""
