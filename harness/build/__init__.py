"""From cells to images: Dockerfiles, base images, the wheel cache, image builds."""
