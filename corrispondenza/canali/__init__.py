"""The channels a letter leaves by (DESIGN.md, Channels): PEC and e-mail over SMTP, posta with
its print bundle. ``coda`` is the one sending queue; ``smtp`` the transport adapter;
``messaggio`` builds what is sent; ``ricevute_invio`` asks the PEC mailbox whether the provider
took a message, the only evidence that decides a resend after a crash.
"""
