"""Search: finding works for a review and storing each once.

The first steps of lsr's data flow (protocol -> **search -> dedupe** -> store): OpenAlex searches
(``openalex/``: the query language, the client, the bundled compatible server, retractions and merges),
file imports (``importers/``), identifiers (``identity``), de-duplication (``dedupe``), living updates and
their search log (``update``), search validation (``known_studies``), schedules (``schedule``, ``cron``) and
labelled SYNERGY datasets (``synergy``).
"""
