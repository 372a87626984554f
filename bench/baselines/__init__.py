"""The benchmark's baselines: the same API as plain DRF views, and with a naive cache-aside.

``plain``: DRF views as DRF users write them: ModelSerializers over querysets, DRF's
token authentication and JSON renderer; the queries are the project's (the same
annotations, so every figure is computed the same way) and so are the write services;
no cache at all. ``naive``: the same views with the naive cache-aside pattern, django-redis
``cache.get``/``cache.set`` around each GET and ``cache.delete`` of the user's keys on
each write. Both are served by gunicorn like the app, with Django's usual middleware.
"""
