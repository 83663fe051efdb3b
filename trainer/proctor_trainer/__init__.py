"""Proctor's included trainer: recipes for SFT, GRPO rewarded by Proctor, and DPO, run with TRL.

``proctor-train --list`` shows the recipes; ``proctor_trainer.run.run(Recipe)`` is the same from
Python. Only ``proctor-client`` talks to the service: the server package is never needed here.
"""
