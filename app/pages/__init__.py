"""The conv2d stepper page: its query model, the configuration it describes, its view model."""
