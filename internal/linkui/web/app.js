// Placeholder: the Link UI application is being built.
