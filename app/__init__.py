"""convplay's web app: a thin FastAPI layer over convcore."""
