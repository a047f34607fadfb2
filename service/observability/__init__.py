"""What the running service tells its operator: JSON logs (`logs`) and Prometheus metrics (`metrics`)."""
