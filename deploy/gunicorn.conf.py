"""gunicorn settings shared by `make serve`, the benches and production servers.

Access-log lines never carry a query string or a referrer: a search for somebody's name, or
a client that puts a reporter's details in a URL, must not end up in a log file.
"""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# longer request lines reach the app, which answers 414 as problem+json past MAX_QUERY_BYTES
limit_request_line = 8190


def post_worker_init(worker):  # gunicorn server hook: the app is loaded, no request yet
    from core.heap import settle

    settle()  # keep start-up's objects out of full collections (see core/heap.py)
