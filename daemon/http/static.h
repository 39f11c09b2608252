/*
 * static: serves the dashboard's files from the web root for the api module (MHD thread): path
 * normalisation that never leaves the root, content types, caching headers.
 */
#ifndef RAMPAGE_STATIC_H
#define RAMPAGE_STATIC_H
#endif
