"""hellotrace: replay `docker run hello-world` and show what travels between client and daemon."""
