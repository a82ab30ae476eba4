"""HTTP entry point (thin until the HTTP service lands): `uvicorn server:app` or `ipbot serve`."""
