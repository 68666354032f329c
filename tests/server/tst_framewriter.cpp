#include "server/framewriter_p.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace farmchat;

namespace {

constexpr char kRs = '\x1e';

// Text of `bytes` UTF-8 bytes, multibyte characters included: ASCII, then
// 2-, 3- and 4-byte characters, cut so no character is split.
QByteArray utf8Text(qsizetype bytes)
{
    static const QByteArray pattern
        = QStringLiteral(u"a\u00e9\u20ac\U0001F600").toUtf8(); // 1+2+3+4
    QByteArray text;
    while (text.size() + pattern.size() <= bytes)
        text += pattern;
    text += QByteArray(bytes - text.size(), 'z');
    return text;
}

// The server half of a WebSocket, by hand: the test writes frames straight to
// its QTcpSocket as the node does, and a real QWebSocket client reads them.
struct WebSocketPair
{
    QTcpServer server;
    std::unique_ptr<QTcpSocket> serverSide;
    QWebSocket client;

    bool open()
    {
        if (!server.listen(QHostAddress::LocalHost, 0))
            return false;
        client.setMaxAllowedIncomingFrameSize(64 * 1024 * 1024);
        client.setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
        client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())));
        if (!QTest::qWaitFor([this] { return server.hasPendingConnections(); }, 5000))
            return false;
        serverSide.reset(server.nextPendingConnection());
        serverSide->setParent(nullptr);
        QByteArray head;
        if (!QTest::qWaitFor(
                [&] { return (head += serverSide->readAll()).contains("\r\n\r\n"); }, 5000))
            return false;
        QByteArray key;
        for (const QByteArray &line : head.split('\n'))
            if (line.toLower().startsWith("sec-websocket-key:"))
                key = line.mid(18).trimmed();
        const QByteArray accept = QCryptographicHash::hash(
            QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"), QCryptographicHash::Sha1)
                                      .toBase64();
        serverSide->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: "
            + accept + "\r\n\r\n");
        return QTest::qWaitFor(
            [this] { return client.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
};

} // namespace

// framewriter: the text frames the node writes itself (RFC 6455 section 5.2),
// byte by byte and read back by Qt's own WebSocket client.
class tst_FrameWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void header_data();
    void header();
    void batching_data();
    void batching();
    void realClientReadsFrames_data();
    void realClientReadsFrames();
};

void tst_FrameWriter::header_data()
{
    QTest::addColumn<quint64>("size");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("empty") << quint64(0) << QByteArray::fromHex("8100");
    QTest::addRow("125: 7-bit length") << quint64(125) << QByteArray::fromHex("817d");
    QTest::addRow("126: 16-bit length") << quint64(126) << QByteArray::fromHex("817e007e");
    QTest::addRow("65535: 16-bit length") << quint64(65535) << QByteArray::fromHex("817effff");
    QTest::addRow("65536: 64-bit length")
        << quint64(65536) << QByteArray::fromHex("817f0000000000010000");
    QTest::addRow("5 GB: 64-bit length")
        << quint64(5000000000) << QByteArray::fromHex("817f000000012a05f200");
}

void tst_FrameWriter::header()
{
    QFETCH(quint64, size);
    QFETCH(QByteArray, expected);
    QByteArray out("x");
    framewriter::appendTextFrameHeader(out, size);
    QCOMPARE(out.toHex(), QByteArray("x" + expected).toHex()); // FIN + text, never masked
}

void tst_FrameWriter::batching_data()
{
    QTest::addColumn<QByteArrayList>("records");
    QTest::addColumn<qsizetype>("maxPayload");
    QTest::addColumn<QList<int>>("recordsPerFrame");
    const QByteArray ten = QByteArray(9, 'a') + kRs;
    QTest::addRow("one record") << QByteArrayList {ten} << qsizetype(100) << QList<int> {1};
    QTest::addRow("all fit in one frame")
        << QByteArrayList {ten, ten, ten} << qsizetype(30) << QList<int> {3};
    QTest::addRow("cut at record ends")
        << QByteArrayList {ten, ten, ten, ten, ten} << qsizetype(25) << QList<int> {2, 2, 1};
    QTest::addRow("a record larger than the limit stays whole") << QByteArrayList {
        ten, QByteArray(50, 'b') + kRs, ten} << qsizetype(25) << QList<int> {1, 1, 1};
}

void tst_FrameWriter::batching()
{
    QFETCH(QByteArrayList, records);
    QFETCH(qsizetype, maxPayload);
    QFETCH(QList<int>, recordsPerFrame);
    const QByteArray all = records.join();
    QByteArray out;
    framewriter::appendTextFrames(out, all, maxPayload);

    // Decode what was written: whole, unmasked text frames whose payloads,
    // joined, are the records in order.
    QByteArray payloads;
    QList<int> counts;
    qsizetype at = 0;
    while (at < out.size()) {
        QCOMPARE(quint8(out[at]), quint8(0x81));
        quint64 size = quint8(out[at + 1]);
        QVERIFY(size < 126 || size == 126); // batches stay far below 64 KiB here
        at += 2;
        if (size == 126) {
            size = (quint64(quint8(out[at])) << 8) | quint8(out[at + 1]);
            at += 2;
        }
        const QByteArray payload = out.mid(at, qsizetype(size));
        QVERIFY(payload.endsWith(kRs));
        counts.append(int(payload.count(kRs)));
        payloads += payload;
        at += qsizetype(size);
    }
    QCOMPARE(payloads, all);
    QCOMPARE(counts, recordsPerFrame);
}

void tst_FrameWriter::realClientReadsFrames_data()
{
    QTest::addColumn<qsizetype>("size");
    for (const qsizetype size : {0, 1, 125, 126, 127, 65535, 65536, 200000})
        QTest::addRow("%lld bytes", qlonglong(size)) << size;
}

void tst_FrameWriter::realClientReadsFrames()
{
    QFETCH(qsizetype, size);
    WebSocketPair pair;
    QVERIFY(pair.open());
    QSignalSpy messages(&pair.client, &QWebSocket::textMessageReceived);
    // One frame of exactly `size` bytes, then a small one behind it.
    const QByteArray text = utf8Text(size);
    QByteArray frames;
    framewriter::appendTextFrameHeader(frames, quint64(text.size()));
    frames += text;
    framewriter::appendTextFrames(frames, QByteArray("next\x1e"), 1024);
    pair.serverSide->write(frames);
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 2, 5000);
    QCOMPARE(messages.at(0).at(0).toString().toUtf8(), text);
    QCOMPARE(messages.at(1).at(0).toString(), QStringLiteral("next\x1e"));
    QCOMPARE(pair.client.state(), QAbstractSocket::ConnectedState); // Qt found no protocol error
}

QTEST_GUILESS_MAIN(tst_FrameWriter)
#include "tst_framewriter.moc"
