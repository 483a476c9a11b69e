"""Image uploads: content-addressed file storage, type sniffing and
thumbnails, and the HTTP endpoints that put and get the files."""
