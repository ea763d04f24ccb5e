"""Services: what each Lambda does, written against the gateways, never against Lambda."""
