"""The seam to the container engine (an image store and a container runner), and Docker's."""
