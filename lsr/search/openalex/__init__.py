"""OpenAlex: the client lsr uses for living updates, and a local OpenAlex-compatible server.

``search_syntax`` parses and evaluates OpenAlex's Boolean ``title_and_abstract.search`` syntax over work
JSON; ``server`` serves OpenAlex work JSON (e.g. from SYNERGY folders) over HTTP on loopback with the parts
of the ``/works`` API that lsr sends, an ``as_of`` clock and fault injection, for the offline demo and tests.
"""
