// RFC 6455 framing of the load generator: round trips at every length
// encoding, masking, fragmentation with interleaved control frames, and the
// protocol errors a peer must reject.
#include "bench/loadgen/wsframe.h"

#include <QTest>

using namespace farmchat::bench;

Q_DECLARE_METATYPE(std::string)

class tst_WsFrame : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void headerBytes_data();
    void headerBytes();
    void byteByByte();
    void fragmentedWithControl();
    void errors_data();
    void errors();
    void maskAtOffset();
};

void tst_WsFrame::roundTrip_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<bool>("masked");
    for (int length : {0, 1, 7, 125, 126, 127, 65535, 65536, 200000}) {
        QTest::addRow("%d masked", length) << length << true;
        QTest::addRow("%d unmasked", length) << length << false;
    }
}

void tst_WsFrame::roundTrip()
{
    QFETCH(int, length);
    QFETCH(bool, masked);
    std::string payload(static_cast<std::size_t>(length), '\0');
    for (int i = 0; i < length; ++i)
        payload[static_cast<std::size_t>(i)] = static_cast<char>('a' + i % 26);
    std::string wire;
    appendWsFrame(wire, WsOpcode::Text, payload, masked, 0xA1B2C3D4u);
    if (masked && length >= 4)
        QVERIFY(wire.find(payload.substr(0, 4)) == std::string::npos); // really masked

    WsFrameParser parser(masked);
    parser.feed(wire);
    WsMessage message;
    QCOMPARE(parser.next(message), WsFrameParser::Status::Message);
    QCOMPARE(message.opcode, WsOpcode::Text);
    QVERIFY(message.payload == payload);
    QCOMPARE(parser.next(message), WsFrameParser::Status::NeedMore);
    QCOMPARE(parser.buffered(), std::size_t(0));
}

void tst_WsFrame::headerBytes_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("headerSize");
    QTest::addColumn<int>("lengthByte");
    QTest::addRow("7-bit") << 125 << 2 << 125;
    QTest::addRow("16-bit") << 126 << 4 << 126;
    QTest::addRow("16-bit max") << 65535 << 4 << 126;
    QTest::addRow("64-bit") << 65536 << 10 << 127;
}

void tst_WsFrame::headerBytes()
{
    QFETCH(int, length);
    QFETCH(int, headerSize);
    QFETCH(int, lengthByte);
    std::string wire;
    appendWsFrame(
        wire, WsOpcode::Binary, std::string(static_cast<std::size_t>(length), 'x'), false);
    QCOMPARE(int(wire.size()), headerSize + length);
    QCOMPARE(static_cast<unsigned char>(wire[0]), 0x82); // FIN + binary
    QCOMPARE(static_cast<unsigned char>(wire[1]) & 0x7F, lengthByte);
}

void tst_WsFrame::byteByByte()
{
    std::string wire;
    appendWsFrame(wire, WsOpcode::Text, "hello", true, 0x12345678u);
    appendWsFrame(wire, WsOpcode::Text, std::string(300, 'y'), true, 0x9abcdef0u);
    WsFrameParser parser(true);
    WsMessage message;
    std::vector<std::string> got;
    for (char c : wire) {
        parser.feed(std::string_view(&c, 1));
        while (parser.next(message) == WsFrameParser::Status::Message)
            got.push_back(message.payload);
    }
    QCOMPARE(got.size(), std::size_t(2));
    QVERIFY(got[0] == "hello");
    QVERIFY(got[1] == std::string(300, 'y'));
}

void tst_WsFrame::fragmentedWithControl()
{
    // RFC 6455 §5.4: control frames may be injected between fragments.
    std::string wire;
    appendWsFrame(wire, WsOpcode::Text, "Hel", false, 0, false);
    appendWsFrame(wire, WsOpcode::Ping, "p", false);
    appendWsFrame(wire, WsOpcode::Continuation, "lo, ", false, 0, false);
    appendWsFrame(wire, WsOpcode::Continuation, "world", false, 0, true);
    WsFrameParser parser(false);
    parser.feed(wire);
    WsMessage message;
    QCOMPARE(parser.next(message), WsFrameParser::Status::Message);
    QCOMPARE(message.opcode, WsOpcode::Ping);
    QVERIFY(message.payload == "p");
    QCOMPARE(parser.next(message), WsFrameParser::Status::Message);
    QCOMPARE(message.opcode, WsOpcode::Text);
    QVERIFY(message.payload == "Hello, world");
    QCOMPARE(parser.next(message), WsFrameParser::Status::NeedMore);
}

void tst_WsFrame::errors_data()
{
    QTest::addColumn<std::string>("wire");
    QTest::addColumn<bool>("expectMasked");
    QTest::addColumn<QString>("errorPart");
    std::string masked;
    appendWsFrame(masked, WsOpcode::Text, "x", true, 1);
    std::string unmasked;
    appendWsFrame(unmasked, WsOpcode::Text, "x", false);
    QTest::addRow("masked server frame") << masked << false << QStringLiteral("must not be masked");
    QTest::addRow("unmasked client frame") << unmasked << true << QStringLiteral("must be masked");
    QTest::addRow("reserved bits")
        << std::string("\xC1\x00", 2) << false << QStringLiteral("reserved");
    QTest::addRow("unknown opcode")
        << std::string("\x83\x00", 2) << false << QStringLiteral("opcode");
    QTest::addRow("fragmented ping")
        << std::string("\x09\x00", 2) << false << QStringLiteral("control");
    QTest::addRow("long ping") << std::string("\x89\x7E\x00\x80", 4) << false
                               << QStringLiteral("control");
    QTest::addRow("lone continuation")
        << std::string("\x80\x00", 2) << false << QStringLiteral("continuation");
    std::string twoStarts;
    appendWsFrame(twoStarts, WsOpcode::Text, "a", false, 0, false);
    appendWsFrame(twoStarts, WsOpcode::Text, "b", false);
    QTest::addRow("new message inside fragments")
        << twoStarts << false << QStringLiteral("unfinished");
    QTest::addRow("too large") << std::string("\x81\x7F\x00\x00\x00\x00\x10\x00\x00\x00", 10)
                               << false << QStringLiteral("larger");
}

void tst_WsFrame::errors()
{
    QFETCH(std::string, wire);
    QFETCH(bool, expectMasked);
    QFETCH(QString, errorPart);
    WsFrameParser parser(expectMasked);
    parser.feed(wire);
    WsMessage message;
    QCOMPARE(parser.next(message), WsFrameParser::Status::Error);
    QVERIFY2(QString::fromStdString(parser.error()).contains(errorPart), parser.error().c_str());
}

void tst_WsFrame::maskAtOffset()
{
    // Masking in two pieces at any split equals masking at once.
    const std::string plain = "The quick brown fox jumps over the lazy dog";
    std::string whole = plain;
    applyWsMask(whole.data(), whole.size(), 0xDEADBEEFu);
    for (std::size_t split = 0; split <= plain.size(); ++split) {
        std::string pieces = plain;
        applyWsMask(pieces.data(), split, 0xDEADBEEFu, 0);
        applyWsMask(pieces.data() + split, pieces.size() - split, 0xDEADBEEFu, split);
        QVERIFY2(pieces == whole, qPrintable(QString::number(split)));
    }
}

QTEST_GUILESS_MAIN(tst_WsFrame)
#include "tst_wsframe.moc"
