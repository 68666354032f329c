#include "server/httprequestparser.h"

#include <QUrl>

#include <algorithm>
#include <cctype>
#include <optional>

namespace farmchat {

namespace {

using Outcome = HttpParseOutcome;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool isKnownMethod(QByteArrayView method)
{
    static constexpr const char *known[]
        = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"};
    for (const char *k : known) {
        if (method == k)
            return true;
    }
    return false;
}

// Checks what can be judged before the head is complete, so a peer that
// speaks something else (TLS, garbage) is refused at once instead of after a timeout.
std::optional<Outcome> checkEarly(QByteArrayView bytes, const HttpLimits &limits)
{
    if (!bytes.isEmpty() && bytes.front() == '\x16')
        return Outcome::failed(400,
            QStringLiteral("this port speaks plain HTTP, not TLS (use http://, not https://)"));
    const qsizetype lineEnd = bytes.indexOf('\n');
    const QByteArrayView line = lineEnd < 0 ? bytes : bytes.first(lineEnd);
    const qsizetype space = line.indexOf(' ');
    const QByteArrayView method = space < 0 ? line : line.first(space);
    for (char c : method) {
        if (!isTokenChar(c) && c != '\r')
            return Outcome::failed(
                400, QStringLiteral("malformed request line: the method is not a token"));
    }
    if (space < 0 && method.size() > 32)
        return Outcome::failed(400, QStringLiteral("malformed request line: method too long"));
    if (line.size() > limits.maxTargetBytes + 64)
        return Outcome::failed(
            414, QStringLiteral("request target longer than %1 bytes").arg(limits.maxTargetBytes));
    return std::nullopt;
}

std::optional<Outcome> parseRequestLine(
    QByteArrayView line, const HttpLimits &limits, HttpRequest &request)
{
    const qsizetype first = line.indexOf(' ');
    const qsizetype last = line.lastIndexOf(' ');
    if (first <= 0 || last == first)
        return Outcome::failed(
            400, QStringLiteral("malformed request line: expected METHOD TARGET HTTP/1.1"));
    const QByteArrayView method = line.first(first);
    const QByteArrayView target = line.sliced(first + 1, last - first - 1);
    const QByteArrayView version = line.sliced(last + 1);
    if (!isToken(method))
        return Outcome::failed(
            400, QStringLiteral("malformed request line: the method is not a token"));
    if (target.size() > limits.maxTargetBytes)
        return Outcome::failed(
            414, QStringLiteral("request target longer than %1 bytes").arg(limits.maxTargetBytes));
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' || version[5] < '0'
        || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return Outcome::failed(400, QStringLiteral("malformed request line: bad HTTP version"));
    if (version[5] != '1')
        return Outcome::failed(505,
            QStringLiteral("HTTP version %1 is not supported; use HTTP/1.1")
                .arg(QString::fromLatin1(version.sliced(5))));
    request.versionMinor = version[7] - '0';
    if (!isKnownMethod(method))
        return Outcome::failed(
            501, QStringLiteral("method %1 is not implemented").arg(QString::fromLatin1(method)));
    request.method = method.toByteArray();

    if (target.isEmpty() || target.front() != '/')
        return Outcome::failed(
            400, QStringLiteral("request target must be a path starting with '/'"));
    for (char c : target) {
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f)
            return Outcome::failed(
                400, QStringLiteral("request target holds a byte that must be percent-encoded"));
    }
    request.target = target.toByteArray();
    const qsizetype question = target.indexOf('?');
    const QByteArrayView rawPath = question < 0 ? target : target.first(question);
    const QByteArrayView rawQuery = question < 0 ? QByteArrayView() : target.sliced(question + 1);

    // Percent-decoding must be well formed and yield UTF-8 without NUL, so
    // routes and the static file lookup never see ambiguous bytes.
    for (qsizetype i = 0; i < rawPath.size(); ++i) {
        if (rawPath[i] != '%')
            continue;
        if (i + 2 >= rawPath.size() || !isxdigit(uchar(rawPath[i + 1]))
            || !isxdigit(uchar(rawPath[i + 2])))
            return Outcome::failed(
                400, QStringLiteral("malformed percent-encoding in the request path"));
    }
    const QByteArray decoded = QByteArray::fromPercentEncoding(rawPath.toByteArray());
    if (decoded.contains('\0'))
        return Outcome::failed(400, QStringLiteral("request path holds an encoded NUL byte"));
    const QString path = QString::fromUtf8(decoded);
    if (path.toUtf8() != decoded)
        return Outcome::failed(400, QStringLiteral("request path is not valid UTF-8"));
    request.path = path;
    request.pathSegments = rawPath.toByteArray().split('/');
    request.pathSegments.removeFirst(); // the empty part before the leading '/'
    request.query = QUrlQuery(QString::fromLatin1(rawQuery));
    return std::nullopt;
}

std::optional<Outcome> parseHeaders(
    QByteArrayView block, const HttpLimits &limits, HttpRequest &request)
{
    bool haveLength = false;
    int hostCount = 0;
    qsizetype pos = 0;
    while (pos < block.size()) {
        qsizetype end = block.indexOf("\r\n", pos);
        if (end < 0)
            end = block.size();
        const QByteArrayView line = block.sliced(pos, end - pos);
        pos = end + 2;
        if (line.isEmpty())
            continue;
        if (line.front() == ' ' || line.front() == '\t')
            return Outcome::failed(400, QStringLiteral("folded header lines are not allowed"));
        if (request.headers.size() >= limits.maxHeaderCount)
            return Outcome::failed(
                431, QStringLiteral("more than %1 header fields").arg(limits.maxHeaderCount));
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return Outcome::failed(400, QStringLiteral("malformed header line"));
        const QByteArray name = line.first(colon).toByteArray().toLower();
        const QByteArray value = line.sliced(colon + 1).toByteArray().trimmed();
        for (char c : value) {
            if ((uchar(c) < 0x20 && c != '\t') || uchar(c) == 0x7f)
                return Outcome::failed(400,
                    QStringLiteral("header '%1' holds a control character")
                        .arg(QString::fromLatin1(name)));
        }
        if (name == "content-length") {
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            if (!ok || length < 0 || value.isEmpty()
                || !std::all_of(value.begin(), value.end(), ::isdigit))
                return Outcome::failed(400, QStringLiteral("Content-Length is not a number"));
            if (haveLength && length != request.contentLength)
                return Outcome::failed(400, QStringLiteral("conflicting Content-Length headers"));
            haveLength = true;
            request.contentLength = length;
        } else if (name == "transfer-encoding") {
            return Outcome::failed(
                501, QStringLiteral("Transfer-Encoding is not supported; send Content-Length"));
        } else if (name == "host") {
            ++hostCount;
        }
        request.headers.append({name, value});
    }
    if (hostCount > 1)
        return Outcome::failed(400, QStringLiteral("more than one Host header"));
    if (hostCount == 0 && request.versionMinor >= 1)
        return Outcome::failed(400, QStringLiteral("HTTP/1.1 request without a Host header"));
    if (request.contentLength > limits.maxBodyBytes)
        return Outcome::failed(413,
            QStringLiteral("request body of %1 bytes is over the %2-byte limit")
                .arg(request.contentLength)
                .arg(limits.maxBodyBytes));
    return std::nullopt;
}

} // namespace

HttpParseOutcome HttpRequestParser::parse(QByteArrayView buffered, const HttpLimits &limits)
{
    // RFC 9112 section 2.2: ignore empty lines before the request line.
    qsizetype start = 0;
    while (buffered.size() - start >= 2 && buffered[start] == '\r' && buffered[start + 1] == '\n')
        start += 2;
    const QByteArrayView bytes = buffered.sliced(start);
    if (auto early = checkEarly(bytes, limits))
        return *early;

    // The skipped empty lines count towards the head: a peer sending nothing
    // but CRLFs must hit the limit, not stall the connection until it times out.
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    if (end < 0 || start + end + 4 > limits.maxHeaderBytes) {
        if (buffered.size() > limits.maxHeaderBytes || end >= 0)
            return Outcome::failed(431,
                QStringLiteral("request headers larger than %1 bytes").arg(limits.maxHeaderBytes));
        if (bytes.contains("\n\n") || bytes.contains("\n\r\n"))
            return Outcome::failed(400, QStringLiteral("request lines must end with CRLF"));
        return {};
    }

    Outcome outcome;
    HttpRequest &request = outcome.request;
    const QByteArrayView head = bytes.first(end);
    const qsizetype lineEnd = head.indexOf("\r\n");
    const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
    if (requestLine.contains('\n') || requestLine.contains('\r'))
        return Outcome::failed(400, QStringLiteral("request lines must end with CRLF"));
    if (auto failure = parseRequestLine(requestLine, limits, request))
        return *failure;
    const QByteArrayView headerBlock = lineEnd < 0 ? QByteArrayView() : head.sliced(lineEnd + 2);
    if (headerBlock.contains('\n') && headerBlock.count("\r\n") != headerBlock.count('\n'))
        return Outcome::failed(400, QStringLiteral("request lines must end with CRLF"));
    if (auto failure = parseHeaders(headerBlock, limits, request))
        return *failure;
    request.headerBytes = start + end + 4;
    outcome.state = Outcome::State::Complete;
    return outcome;
}

} // namespace farmchat
