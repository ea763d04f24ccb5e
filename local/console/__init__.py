"""`adsync`: the operator console, the same commands on this machine and on AWS.

Locally it runs the layer's admin commands (adsync.services.admin_commands) on the local
database (`adsync_local`, where `make run` leaves its fleet) and the local queues; with
`--stack NAME` it sends the same request to the stack's admin Lambda, which runs them
inside the VPC. Off-AWS only: the layer and the handlers never import this package.
"""
