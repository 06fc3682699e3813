"""facturier: send invoices by e-mail through your own relay, track every one, handle every return."""
