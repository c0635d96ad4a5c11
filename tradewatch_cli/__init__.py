"""The `tradewatch` command: the one room above the services that wires them together."""
