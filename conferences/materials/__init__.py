"""Session materials: slides and handouts uploaded by the presenter or a coordinator."""
