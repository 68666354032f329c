// The app icon resource library: every rendered size is in :/icons/ and the
// QIcon the app uses returns a pixmap of each size without scaling.

#include "resources/appicon.h"

#include <QFile>
#include <QImage>
#include <QRegularExpression>
#include <QTest>

using namespace farmchat;

class tst_AppIcon : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everySizeIsAResource_data();
    void everySizeIsAResource();
    void iconOffersEverySize();
    void svgSourceIsBundled();
    void appIdIsReverseDns();
};

void tst_AppIcon::everySizeIsAResource_data()
{
    QTest::addColumn<int>("size");
    for (const int size : {16, 24, 32, 48, 64, 128, 256, 512})
        QTest::addRow("%dpx", size) << size;
}

void tst_AppIcon::everySizeIsAResource()
{
    QFETCH(int, size);
    const QString path = QStringLiteral(":/icons/farmchat-%1.png").arg(size);
    QVERIFY2(QFile::exists(path), qPrintable(path));
    const QImage image(path);
    QVERIFY2(!image.isNull(), qPrintable(path));
    QCOMPARE(image.size(), QSize(size, size));
    QVERIFY(image.hasAlphaChannel());
    // Transparent corners (rounded background; the 16 px one keeps a trace of
    // anti-aliasing), opaque middle.
    QVERIFY(qAlpha(image.pixel(0, 0)) < 16);
    QCOMPARE(qAlpha(image.pixel(size / 2, size / 2)), 255);
}

void tst_AppIcon::iconOffersEverySize()
{
    const QIcon icon = appIcon();
    QVERIFY(!icon.isNull());
    const QList<QSize> sizes = icon.availableSizes();
    for (const int size : {16, 24, 32, 48, 64, 128, 256, 512})
        QVERIFY2(sizes.contains(QSize(size, size)), qPrintable(QString::number(size)));
    QCOMPARE(icon.pixmap(QSize(48, 48)).size(), QSize(48, 48));
}

void tst_AppIcon::svgSourceIsBundled()
{
    QFile svg(QStringLiteral(":/icons/farmchat.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
}

void tst_AppIcon::appIdIsReverseDns()
{
    static const QRegularExpression reverseDns(
        QStringLiteral("^[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)+\\.[A-Za-z][A-Za-z0-9]*$"));
    QVERIFY2(reverseDns.match(appId()).hasMatch(), qPrintable(appId()));
    QCOMPARE(appId(), QStringLiteral("io.farmchat.FarmChat"));
}

QTEST_MAIN(tst_AppIcon)
#include "tst_appicon.moc"
