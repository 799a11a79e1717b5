"""The law engine's Django side: rates entered in the app, statements of claims and cases,
the calculator and the `law` command. recouvra.law itself stays free of Django."""
