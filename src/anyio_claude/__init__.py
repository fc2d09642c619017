"""anyio-claude: a fast, structured-concurrency native client for the Claude Messages API."""
