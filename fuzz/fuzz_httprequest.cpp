// libFuzzer target: the node's HTTP request head parser (server/httprequestparser)
// and the Host/Origin checks that read its headers, fed the way HttpConnection
// feeds them: the buffered bytes are parsed again each time more arrive.
#include "fuzz/fuzzinput.h"
#include "server/httprequestparser.h"
#include "server/originpolicy.h"

#include <QHostAddress>

using namespace farmchat;

namespace {

void check(QByteArrayView buffered, const HttpLimits &limits, const OriginPolicy &policy)
{
    const HttpParseOutcome whole = HttpRequestParser::parse(buffered, limits);
    if (whole.state == HttpParseOutcome::State::Failed) {
        if (whole.status < 400 || whole.status > 599 || whole.error.isEmpty())
            fuzz::fail("a refusal without a 4xx/5xx status and a reason");
        return;
    }
    if (whole.state != HttpParseOutcome::State::Complete)
        return;
    const HttpRequest &request = whole.request;
    if (request.headerBytes <= 0 || request.headerBytes > buffered.size())
        fuzz::fail("headerBytes outside the buffer");
    if (request.headerBytes > limits.maxHeaderBytes)
        fuzz::fail("a head larger than maxHeaderBytes was accepted");
    if (request.headers.size() > limits.maxHeaderCount)
        fuzz::fail("more headers than maxHeaderCount were accepted");
    if (request.contentLength < 0 || request.contentLength > limits.maxBodyBytes)
        fuzz::fail("a body over maxBodyBytes was accepted");
    if (!request.path.startsWith(u'/'))
        fuzz::fail("a path not starting with '/' was accepted");
    // What the connection and the routes do with a complete head.
    (void)request.isWebSocketUpgrade();
    (void)request.wantsKeepAlive();
    (void)request.query.queryItems(QUrl::FullyDecoded);
    (void)policy.isHostAllowed(request.header("host"));
    (void)policy.isOriginAllowed(request.header("origin"));

    // The head is judged the same once more bytes (a body, a pipelined request) follow.
    const QByteArray longer = buffered.toByteArray() + "\r\n\r\nGET / HTTP/1.1\r\n";
    const HttpParseOutcome again = HttpRequestParser::parse(longer, limits);
    if (again.state != HttpParseOutcome::State::Complete
        || again.request.headerBytes != request.headerBytes)
        fuzz::fail("a complete head changed when more bytes arrived");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const OriginPolicy loopback(
        QHostAddress(QHostAddress::LocalHost), 9090, {QStringLiteral("http://127.0.0.1:9091")});
    static const OriginPolicy anyAddress(QHostAddress(QHostAddress::Any), 9090, {});
    static const HttpLimits defaults;
    static const HttpLimits tight {256, 64, 4, 16};

    const fuzz::ChunkedInput in = fuzz::ChunkedInput::from(data, size);
    const bool useTight = size > 0 && (data[0] & 1);
    const HttpLimits &limits = useTight ? tight : defaults;
    const OriginPolicy &policy = size > 0 && (data[0] & 2) ? anyAddress : loopback;
    // HttpConnection peeks at most maxHeaderBytes + 4 bytes and parses them
    // again after every read.
    qsizetype seen = 0;
    for (qsizetype chunk : in.chunks) {
        seen += chunk;
        const QByteArrayView buffered = in.stream.first(qMin(seen, limits.maxHeaderBytes + 4));
        check(buffered, limits, policy);
        const HttpParseOutcome outcome = HttpRequestParser::parse(buffered, limits);
        if (outcome.state != HttpParseOutcome::State::Incomplete)
            break;
    }
    return 0;
}
