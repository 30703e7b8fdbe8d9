"""The Textual app: home screen (all reviews), screener, help and prompts.

A thin layer over the core: screens call ``lsr.screening``, ``lsr.status`` and the optional update, ranking
and report modules; slow work runs in thread workers that post Messages back. Build the app with
``lsr.tui.app.make_app`` (the CLI and the tests share it).
"""
