"""What the Docker client and daemon share: API versions, stream framing, error texts."""
