"""The bureau's service (``selfeval-xl serve``): the same engine from a browser.

- ``app``: the application factory and settings;
- ``storage``: SQLAlchemy Core tables (SQLite WAL by default) and the data folder;
- ``auth``: passwords, session cookies, CSRF, login limits;
- ``analysis``: uploads examined in collect's sandboxed workers;
- ``actions``: what a department can do, shared by the pages and the API;
- ``routes_auth``, ``routes_pages``, ``routes_files``, ``routes_api``: the routes;
- ``rollover``: next year's workbook from this year's submission.

docs/server.md describes deployment and the API.
"""
