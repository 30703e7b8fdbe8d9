"""The Textual app: home screen (all reviews), screener, help and prompts.

A thin layer over the core: screens call ``lsr.screening.service`` and ``lsr.status``, and the update, ranking and
report functions the app is given; slow work runs in thread workers that post Messages back. Build the app
with ``lsr.tui.app.make_app`` (the CLI and the tests share it); ``run_app`` gives it lsr's own functions.
"""
