#pragma once

#include "protocol/limits.h"
#include "server/httprequest.h"

#include <QByteArrayView>
#include <QString>

namespace farmchat {

// Caps on one request head and body; a request over one is refused with the
// status HttpRequestParser reports, before anything is buffered beyond it.
struct HttpLimits
{
    qsizetype maxHeaderBytes = limits::kMaxHttpHeaderBytes; // request line + headers
    qsizetype maxTargetBytes = 8 * 1024;
    int maxHeaderCount = 100;
    qint64 maxBodyBytes = limits::kMaxHttpBodyBytes;
};

// What HttpRequestParser made of the bytes received so far.
struct HttpParseOutcome
{
    enum class State { Incomplete, Complete, Failed };
    State state = State::Incomplete;
    HttpRequest request; // Complete: the head; body not included
    int status = 0; // Failed: the HTTP status to answer with (400, 413, 414, 431, 501, 505)
    QString error; // Failed: a sentence naming the problem

    static HttpParseOutcome failed(int status, QString error)
    {
        HttpParseOutcome o;
        o.state = State::Failed;
        o.status = status;
        o.error = std::move(error);
        return o;
    }
};

// Parses an HTTP/1.x request head (RFC 9112 sections 2-6) from the bytes a
// connection has buffered. Pure: no I/O, so the node peeks at its socket, asks
// this, and only then decides whether to read, answer or upgrade. Bodies are
// never parsed here; the caller reads Content-Length bytes after the head.
class HttpRequestParser
{
public:
    static HttpParseOutcome parse(QByteArrayView buffered, const HttpLimits &limits = {});
};

} // namespace farmchat
