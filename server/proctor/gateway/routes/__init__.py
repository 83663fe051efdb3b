"""The gateway's routers, one module per group of routes."""
