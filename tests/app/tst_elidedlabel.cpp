// ElidedLabel: a pane header's text ends in "…" when narrow, never mid-word
// without a mark, and the whole text is one hover away.
#include "app/elidedlabel.h"

#include <QTest>

using namespace farmchat;

class tst_ElidedLabel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void wholeTextWhenItFits_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addRow("plain") << QStringLiteral("connected");
        QTest::addRow("symbols and digits")
            << QStringLiteral("✕ port 19191 is in use by pid 10711 (python3)");
        QTest::addRow("long") << QStringLiteral("starting node-19197: waiting for /health (9/9)");
    }
    void wholeTextWhenItFits()
    {
        // At its size hint the whole text is drawn, measured the way paint
        // measures it (fractional advances), not only by integer widths.
        QFETCH(QString, text);
        ElidedLabel label;
        label.setText(text);
        label.setDetail(QStringLiteral("last error: none"));
        label.show();
        QVERIFY(QTest::qWaitForWindowExposed(&label));
        label.resize(label.sizeHint());
        QCOMPARE(label.shownText(), text);
        QVERIFY(!label.isElided());
        QCOMPARE(label.toolTip(), QStringLiteral("last error: none"));
    }

    void elidedWhenNarrowWithTheWholeTextAsTooltip()
    {
        ElidedLabel label;
        const QString text = QStringLiteral("disconnected — reconnecting…");
        label.setText(text);
        label.setDetail(QStringLiteral("connection refused"));
        label.show(); // a hidden widget gets its resize events when shown
        QVERIFY(QTest::qWaitForWindowExposed(&label));
        label.resize(label.sizeHint().width() / 3, label.sizeHint().height());
        QVERIFY(label.isElided());
        QVERIFY(label.shownText().endsWith(QStringLiteral("…")));
        QCOMPARE(label.text(), text); // the text itself is kept whole
        QCOMPARE(label.toolTip(), text + QStringLiteral("\nconnection refused"));

        label.resize(label.sizeHint());
        QVERIFY(!label.isElided());
        QCOMPARE(label.toolTip(), QStringLiteral("connection refused"));
    }

    void sizeHintFollowsTheText()
    {
        ElidedLabel label;
        label.setText(QStringLiteral("a"));
        const int shortWidth = label.sizeHint().width();
        label.setText(QStringLiteral("a much longer state text"));
        QVERIFY(label.sizeHint().width() > shortWidth);
        QVERIFY(label.minimumSizeHint().width() < shortWidth * 3);
        QVERIFY(label.minimumSizeHint().width() > 0);
    }
};

QTEST_MAIN(tst_ElidedLabel)
#include "tst_elidedlabel.moc"
