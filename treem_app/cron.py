"""Schedule for `rq cron treem_app.cron` (the scheduler process that `make run` starts).

Later steps add their weekly jobs here (the weekly report is due before 10:00 on Friday).
Times are UTC: Vietnam is UTC+7 all year.
"""

from rq import cron

from treem_app.jobs import requeue_pending

# Every five minutes: put back on the queue any job recorded while Redis was unreachable.
cron.register(requeue_pending, "default", interval=300, name="requeue-pending")
