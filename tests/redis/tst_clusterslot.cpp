#include "redis/clusterslot.h"

#include <QTest>

using namespace farmchat;

// clusterKeySlot(): the values a real Redis Cluster computes (checked with
// CLUSTER KEYSLOT on redis-server 7.0), so the router sends each key to the
// shard that owns it.
class tst_ClusterSlot : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void crc16CheckValue()
    {
        // Redis Cluster spec, Appendix A: the XMODEM check value.
        QCOMPARE(clusterCrc16("123456789"), quint16(0x31C3));
        QCOMPARE(clusterCrc16(""), quint16(0));
    }

    void keySlot_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<int>("slot");
        QTest::addRow("foo") << QByteArray("foo") << 12182;
        QTest::addRow("bar") << QByteArray("bar") << 5061;
        QTest::addRow("empty key") << QByteArray() << 0;
        QTest::addRow("123456789") << QByteArray("123456789") << (0x31C3 % 16384);
        QTest::addRow("tag following") << QByteArray("{user1000}.following") << 3443;
        QTest::addRow("tag followers") << QByteArray("{user1000}.followers") << 3443;
        QTest::addRow("tag alone") << QByteArray("user1000") << 3443;
        QTest::addRow("empty tag: whole key") << QByteArray("foo{}{bar}") << 8363;
        QTest::addRow("nested open brace") << QByteArray("foo{{bar}}zap") << 4015;
        QTest::addRow("{bar") << QByteArray("{bar") << 4015;
        QTest::addRow("first tag only") << QByteArray("foo{bar}{zap}") << 5061;
        QTest::addRow("unclosed brace") << QByteArray("foo{bar") << 15278;
        QTest::addRow("close before open") << QByteArray("}bar{") << 1498;
        QTest::addRow("binary bytes") << QByteArray("\xff\x00\x80", 3) << 7915;
    }
    void keySlot()
    {
        QFETCH(QByteArray, key);
        QFETCH(int, slot);
        QCOMPARE(clusterKeySlot(key), slot);
    }

    void sameTagSameSlot()
    {
        QCOMPARE(clusterKeySlot("{user1000}.following"), clusterKeySlot("{user1000}.followers"));
        QCOMPARE(clusterKeySlot("a{tag}b"), clusterKeySlot("tag"));
    }
};

QTEST_GUILESS_MAIN(tst_ClusterSlot)
#include "tst_clusterslot.moc"
