"""Schedule for `rq cron treem_app.cron` (the scheduler process that `make run` starts).

Later steps add their weekly jobs here (the weekly report is due before 10:00 on Friday).
Times are UTC: Vietnam is UTC+7 all year.
"""

from rq import cron

from treem_app.jobs import (
    fold_queue_counts,
    prune_login_throttles,
    recover_interrupted,
    requeue_pending,
    scheduled_monthly_reports,
    scheduled_weekly_reports,
)

# Every five minutes: put back on the queue any job recorded while Redis was unreachable.
cron.register(requeue_pending, "default", interval=300, name="requeue-pending")
# Every minute: a job whose worker died (SIGKILL, a restart) is marked interrupted.
cron.register(recover_interrupted, "default", interval=60, name="recover-interrupted")
# Hourly: failed sign-ins that no longer count (no lock in force, none within a day) go.
cron.register(prune_login_throttles, "default", interval=3600, name="prune-login-throttles")
# Every minute: the work queue's count changes folded into its counts (services/queue_counts.py;
# the counts are right without it, reading them gets slower as changes pile up).
cron.register(fold_queue_counts, "default", interval=60, name="fold-queue-counts")

# Issue 14. Hourly at :00 UTC (every cut-off hour of every province, local hours being whole
# hours from UTC): freeze the week just closed and build its reports where missing. Daily at
# 18:00 UTC (01:00 in Vietnam): the monthly summary of the month before, due by the 15th; the
# runs after the first find it stored and do nothing.
cron.register(scheduled_weekly_reports, "reports", cron="0 * * * *", name="weekly-reports")
cron.register(scheduled_monthly_reports, "reports", cron="0 18 * * *", name="monthly-reports")
