"""OCPP 1.6J central system core: knows OCPP, knows nothing of Home Assistant."""
