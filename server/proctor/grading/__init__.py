"""`proctor grade`: grade benchmark samples through a running Proctor service.

It talks to the service through `proctor_client` like any user would, so what it measures is
what a trainer or evaluation script would get.
"""
