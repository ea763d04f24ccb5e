"""Local development tools: the Shopee simulator and the one-machine runtime."""
