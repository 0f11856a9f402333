"""Volunteer activities (活动): staff publish one (`create`, `line`, `flow`), people sign up with
capacity and a waitlist (`join`, `leave`, `waitlist`), the group card shows places left (`cards`),
`/activities` and staff's `/activity` (`views`, `staff`, `export`), check-in by QR or from a list
(`checkin`, `attendance`), reminders (`reminders`), edit and cancel (`edit`, `cancel`), and the
thank-you card when it ends (`thanks`)."""
