"""HTTP pieces every service shares: ops endpoints, API-key auth, the server thread."""
