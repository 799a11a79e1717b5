"""The demo data, split by domain and built through the services: organisations and users,
the ledger, case stories, dunning scenarios and a bank statement to import."""
