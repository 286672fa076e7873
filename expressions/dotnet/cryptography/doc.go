// Package cryptography holds System.Security.Cryptography and its
// X509Certificates namespace for policy expressions: the hash and HMAC
// classes, RSA, AES (and the byte[] Encrypt/Decrypt extensions),
// RandomNumberGenerator, X509Certificate2 and the gateway's X.509 trust
// settings. It registers its types in dotnet's registry from init; package
// expressions imports it for that (see dotnet's package doc).
package cryptography
