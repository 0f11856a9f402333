"""Writes the triage corpus: bot/data/triage_corpus/train.jsonl and heldout.jsonl.

    .venv/bin/python scripts/make_triage_corpus.py

How it is made: each category has a list of problem templates (what the resident wants, written
the ways people write it); a template's ``[a|b|c]`` picks one alternative, so one template gives
many phrasings. A message wraps one problem in what people add around it: who is writing (an
elderly resident, a young parent, a shop owner), where (a building in one of the forms people
type, or no place at all), rambling context, a second smaller problem, urgency or its negation,
dialect words, pinyin-input typos, no punctuation (voice input) or too much.

The split is by wording, not by message: in every ``[a|b|c]`` group of two or more alternatives,
the alternatives at index % 3 == 2 (the second of two) are used only for held-out messages and
the others only for training, and every fourth template of a category (index % 4 == 3) is
held out whole, its problem family never seen in training. So a held-out message says its
problem in words the classifier never saw in that place (the fillers around it are shared: they
are noise, not signal). The held-out file is never used for training or tuning (the classifier's
parameters were tuned on tests/data/triage_cases.yaml, written independently of this corpus).

Each line: {"text", "category", "urgent", "building", "unit", "room"} as a community worker
would triage it (urgent: an urgency phrase was added; place: the one written, canonical form).
The output is fixed by SEED: running the script again gives the same files.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "data" / "triage_corpus"
SEED = 13
PER_CATEGORY = {"train": 700, "heldout": 140}
HELD_OUT_EVERY = 4  # template index % 4 == 3: held out

PROBLEMS: dict[str, list[str]] = {
    "repair": [
        "[楼道|楼梯|过道]的[扶手|墙面|踏步][坏了|裂了|掉了一块]，[一直没人修|走路不安全]",
        "[小区|楼下|院子]的[路面|水泥地|柏油路][下雨就积水|裂开了|塌陷了]，[需要修一下|坑越来越大]",
        "[楼道|单元|过道]的[窗户玻璃|窗子|气窗][碎了|破了个洞|关不上]，[冬天风呼呼往里灌|下雨往里飘|怕划到小孩]",
        "[卫生间|厨房|阳台]的[地漏|下水管|排水管][往上冒水|返臭水|一用水就漫出来]",
        "[我家|屋里|厨房][插座|电闸|电表][没电了|一插就跳|冒火星子|有焦味]，[冰箱都停了|饭都煮不了]",
        "[楼下|小区|院子]的[自来水管|消防栓|绿化水管][裂了|在喷水|漏了一地]，[水哗哗流|路上都结冰了|浪费得很]",
        "[电梯|电梯间|轿厢][里的灯不亮|按键掉了|门夹人|运行时抖得厉害|有异响]，[老人不敢坐|孩子吓到了]",
        "[铁门|单元门|防盗门][的门锁|的把手|的合页][掉了|锈死了|松了]，[谁都能进来|晚上不安全|一推就开]",
        "[车棚|楼道|地下室][的灯|的电线|的开关][老化了|坏了一个月|一直没人修]",
        "[房顶|楼顶|屋面][瓦片掉了|防水层破了|有裂缝]，[一下雨家里就漏|墙都泡软了]",
        "[小区|楼前|单元门口]的[台阶|坡道|无障碍通道][坏了|塌了|缺了一块]，[轮椅上不去|老人摔过一次]",
        "[门口|院子|楼下]的[下水井盖|雨水井盖|窨井盖][碎了|陷下去了|没盖好]，[晚上看不见|小孩子差点掉进去]",
        "[厨房|卫生间|阳台]的水管[漏水了|在滴水|一直渗水|接口裂了]",
        "[马桶|下水道|洗手池|地漏][堵了|堵住了|不下水|反水]",
        "[楼道|走廊|楼梯间]的[灯|声控灯|感应灯][坏了|不亮了|一闪一闪的|晚上不亮]",
        "电梯[又坏了|停了|门关不上|一直响|卡在三楼不动|按钮没反应]",
        "家里[停电了|跳闸了推不上去|插座烧黑了|有一路没电]",
        "小区[门口|里面|东门]的路面[坑坑洼洼|塌了一块|有个大坑|裂了好长一条缝]，[骑车差点摔|下雨全是积水|老人走路绊脚]",
        "[路边|楼下|车库入口]的井盖[松了|缺了一块|翘起来了|踩上去咣当响|不见了]",
        "外墙的[瓷砖|墙砖|墙皮][掉下来了|有松动|一块块往下掉]，[砸到楼下|怕砸到人|很危险]",
        "[单元门|楼下的铁门|防盗门|大门][关不上|锁坏了|闭门器坏了|一直敞着|自己弹开]",
        "[门禁|人脸识别|刷卡机|门禁卡][坏了|刷不开|没反应|识别不了]，[进不去门|只能等人开|天天按门铃]",
        "[监控|摄像头|楼道监控][坏了|不亮了|黑屏|好像没在录]，[晚上有人偷东西|车被刮了想调|心里不踏实]",
        "[顶楼|天花板|卧室墙角][渗水|发霉起皮|一下雨就漏|滴水滴到床上]",
        "[窗户|窗框|阳台推拉门][关不严|玻璃裂了|掉下来一扇|合页坏了]",
        "[楼梯扶手|栏杆][松了|晃得厉害|断了一截]，[老人扶着怕摔|小孩子靠上去危险]",
        "[信报箱|快递柜|单元信箱][门坏了|锁撬了|关不上]",
        "水压[太小|特别低]，[洗澡都没法洗|楼上根本没水|热水器打不着]",
        "[空调外机|空调架|雨棚|晾衣架][锈得厉害|松动了|快掉下来了]",
        "[路灯|小区的路灯|院子里的灯][不亮|坏了好几盏|白天也亮着]",
        "[热水器|燃气灶|暖气片][打不着火|不热|漏水了]，想找人来修",
        "[家门锁|钥匙孔|防盗门锁][坏了|拧不动|钥匙断在里面了]",
        "[台阶|地砖|人行道的砖][翘起来了|碎了|松了]，[走路要小心|推婴儿车过不去|轮椅过不去]",
        "[排水沟|雨水篦子|下水井][堵死了|盖子坏了]，一下雨[门口全淹了|水漫进车库]",
        "楼顶[的防水|的水箱|的太阳能][坏了|漏了|往下漏水]",
        "[墙上的电线|楼道的电线|电表箱][裸露在外面|耷拉下来|箱门掉了]",
        "[大门的道闸|车库的卷闸门|小区的电动门][坏了|抬不起来|关不上]",
        "[对讲机|可视门铃|楼宇对讲][没声音|打不通|按了没反应]",
        "[卫生间|厨房]的水龙头[关不紧|拧不动|一直滴]",
        "屋里[开关|灯泡|吸顶灯][不亮|冒火花|接触不良]，自己不会弄",
        "[健身器材|儿童滑梯|秋千][坏了|螺丝松了|断了一根]，[孩子玩怕受伤|老人锻炼不安全]",
        "the [light|lamp] in the stairwell is [broken|not working]",
        "[toilet|sink] is blocked, can someone fix it",
        "elevator [stuck|broken again] in our building",
    ],
    "sanitation": [
        "[小区的卫生|楼道的卫生|我们楼的保洁][越来越差|好久没人管|太差劲了]，[地上全是灰|扶手上一层油|墙角都是蜘蛛网]",
        "[保洁阿姨|清洁工|物业保洁][好几天没来了|扫得不干净|只扫一楼]，[楼道脏得不行|垃圾没人倒]",
        "[楼下|花坛边|车棚里][有人乱扔垃圾|扔了好多酒瓶|丢了一堆旧衣服]，[脏乱差|看着闹心|能不能清走]",
        "[蟑螂|老鼠|臭虫|蚂蚁][从下水道爬上来|在厨房乱窜|越来越多]，[整栋楼都有|想请人统一消杀]",
        "[小区|楼下|路边][的垃圾|的落叶|的树枝][好几天没人清|堆成小山|被风吹得到处都是]",
        "[垃圾分类|可回收物|有害垃圾][投放点在哪里|什么时候收|怎么分]，[家里攒了好多|不知道往哪扔]",
        "[我们单元|楼道里|电梯门口][有股怪味|臭烘烘的|味道很难闻]，[不知道哪来的|好几天了散不掉]",
        "[楼道|单元门口|电梯口]总有人[放垃圾袋|扔外卖盒|堆快递箱]，[一股酸臭味|招老鼠|过路都嫌弃]",
        "[小区|楼下|花园]的[蚊子|苍蝇|飞虫][特别多|成群的|晚上咬得睡不着]，[能不能来喷点药|什么时候消杀]",
        "[消防通道|安全通道|疏散楼梯]里[堆满了旧家具|放着好几个煤气罐|塞满了废纸板]，[通道都堵死了|真有火灾跑不出去]",
        "[垃圾房|垃圾点|垃圾桶旁边][地上全是污水|苍蝇乱飞|满地菜叶]，[走过去都想吐|夏天更臭]",
        "[楼顶|天台|楼梯拐角][有人养鸽子拉的粪|堆满鸟屎|有一堆烂东西]，[没人清理|味道冲]",
        "[河沟|小区后面的水沟|排水渠][漂满了垃圾|发黑发臭|堵着塑料袋]",
        "[电梯|楼道|单元大厅][有呕吐物|有人尿了|有狗尿]，[一直没人处理|保洁也没来]",
        "[垃圾桶|垃圾站|分类垃圾箱][满了|溢出来了|好几天没人清]，[味道很大|招苍蝇|臭得不行]",
        "[楼道|楼梯间|安全出口|消防楼梯]堆了[好多纸箱|旧家具|一堆杂物|破沙发|旧自行车]，[人都过不去|万一着火跑不出去|挡着安全出口]",
        "[楼道|电梯里|单元门口][好脏|全是泥|有人吐痰|一股尿骚味]，[好久没人打扫|保洁好几天没来]",
        "[下水道|化粪池|污水井][冒臭味|反味|溢出来了]，[整个楼道都臭|窗户都不敢开]",
        "[地下室|垃圾房|楼下][有老鼠|老鼠特别多|蟑螂成群]，[晚上看到好几只|孩子吓哭了|把东西都咬了]",
        "[草坪上|花坛里|小路上][好多狗屎|有狗粪便|全是烟头]，[踩了一脚|没人管]",
        "[花坛|绿化带|树坑]里[杂草长得比人高|全是垃圾|蚊子特别多]",
        "[落叶|树枝|断的树杈][堆了一地|挡在路上|没人扫]",
        "有人把[装修垃圾|建筑垃圾|旧床垫|大件垃圾][扔在楼下|堆在路边|丢在绿化带]",
        "[楼下的积水|污水坑|死水塘]发臭了，[蚊子苍蝇特别多|孩子们还在旁边玩]",
        "[楼上|隔壁]有人往下[扔垃圾|倒剩菜|扔烟头]，[阳台上全是|晒的衣服都脏了]",
        "[垃圾车|清运车]好几天没来了，[垃圾站堆成山|路边都是垃圾袋]",
        "[小区|楼后面|车棚][有死老鼠|有只死猫|有腐烂的东西]，[太恶心了|臭死了]",
        "[楼道|消防通道|楼梯口]被人[放了鞋柜|堆满了花盆|堆满了废品]，[保洁没法扫|下楼要侧着身]",
        "公共厕所[好脏|没人打扫|没水冲]",
        "[垃圾分类|厨余垃圾][桶太少了|没人分|混在一起倒]",
        "[楼道墙上|电梯里|单元门上]贴满了[小广告|开锁广告|牛皮癣]",
        "[宠物|流浪猫|流浪狗]在楼道[拉屎|撒尿]，[味道散不掉|天天要绕着走]",
        "[外卖盒|塑料袋|饮料瓶][到处都是|被风吹得满地|堆在楼梯角]",
        "[水箱|二次供水的水池][好久没清洗|水有股怪味|水发黄]",
        "希望安排人来[消杀|打药|灭蚊灭鼠]，[蚊子太多了|蟑螂太多了]",
        "[垃圾站|垃圾房]几点[开门|关门]，晚上下班回来没地方扔",
        "the [garbage|trash] bins are overflowing and it smells",
        "[rubbish|junk] is piled in the stairwell",
    ],
    "parking": [
        "[有辆车|一辆货车|一辆面包车][停在消防通道上|横在单元门口|停在人行道上]，[挡得死死的|其他车都过不去|推车都过不去]",
        "[电动车|电瓶车|电摩][停在楼道里|推进电梯|放在安全出口]充电，[很危险|说了也不听|物业也不管]",
        "[想办|咨询一下][月卡|停车月票|车位租赁]，[一个月多少钱|在哪里交费|要什么手续]",
        "[楼下|小区门口|学校门口][天天堵车|车乱停|接送孩子的车停得乱七八糟]",
        "[共享单车|自行车|旧电动车][堆在门口|横七竖八|倒了一地]，[进出都费劲|挡着消防通道]",
        "[楼下|门口|路边]有辆车[一直停着|占着我的车位|堵住了出口]，[打电话也不接|找不到车主|我车开不出去]",
        "有人把电动车[推进楼道充电|从楼上拉线下来充电|飞线充电]，[太危险了|万一着火怎么办]",
        "[充电桩|电动车充电棚|充电柜][坏了|扫码没反应|充不上电|插座都坏了]",
        "消防通道[被车堵了|停满了车|天天有人停车]，[救护车进不来|消防车根本过不去]",
        "[车位|停车位][太少了|根本抢不到|被外来车占了]，[每天下班转好几圈|只能停到马路上]",
        "[地下车库|车库][有辆僵尸车|有辆车好几年没动|有辆没牌的车]，[落满了灰|占着位置]",
        "[电瓶车|自行车|三轮车][乱停乱放|把路堵死了|停在盲道上]",
        "[外来车辆|外卖电动车|快递三轮][随便进出|乱停|开得飞快]，[孩子在路上玩很危险|门卫也不管]",
        "[车位|月租车位|停车卡]怎么[申请|办|续费]，[新搬来的|车刚买]",
        "有人[用地锁|拿锥桶|放了石头]占公共车位",
        "[车库入口|停车场出口]被[一辆面包车|几辆电动车]挡住了，车出不去",
        "小区里[停车收费|临时停车]怎么[这么贵|收的]，[想问下标准|能不能便宜点]",
        "晚上有车[停在单元门口|压在草坪上|停在转弯处]，[挡着路|视线不好]",
        "车被[刮了|蹭了|划了一道]，[停在小区里的|停在我们楼下]，想找车主",
        "电动车[没地方停|车棚满了|车棚的顶漏雨]",
        "[挪车|麻烦挪一下车]，[车牌是川A|白色的小轿车|黑色SUV]挡住了我",
        "someone parked [in my spot|across the garage exit] again",
        "the [car|e-bike] charging station is not working",
    ],
    "elderly": [
        "[我家老人|我婆婆|我外公][一个人在家|白天没人照顾|腿摔伤了]，[想请志愿者|能不能有人][每天来看一眼|帮忙做顿饭|陪着说说话]",
        "[老人|我妈|我爸][想剪头发|想理个发|头发太长了]，[可是出不了门|腿脚不便下不了楼|坐轮椅去不了理发店]",
        "[我妈|老母亲|家里老太太][瘫痪在床|腿断了在养|刚出院]，[想找人上门理发|头发好久没剪了|想请理发的志愿者来家里]",
        "[我们楼|隔壁单元|楼下]的[孤寡老人|独居大爷|老奶奶][家里灯好几天没亮|门口的报纸堆着没拿|敲门没人应]，[有点担心|能不能去看看]",
        "[爷爷|外公|我爸][坐轮椅|拄拐|走不动路]，[超市太远|菜市场去不了|米面油买不了]，能不能有人帮着[买点东西|送点菜|跑个腿]",
        "[能不能|有没有]志愿者[陪我|陪老人|陪我妈][去社区医院|去打疫苗|去做体检]，[我不认路|她不会挂号]",
        "[老人|我家老爷子][眼睛看不清|耳朵背|不识字]，[想请人帮忙读一下通知|想请人帮着填表|想请人帮忙打个电话]",
        "[我八十多了|我一个人住|我老头子走了以后]，[想订老年餐|想有人每天打个电话|想报名助浴]",
        "[楼上的|对门的|隔壁的][王奶奶|李爷爷|张大爷|刘阿姨][一个人住|子女在外地]，[好几天没见下楼|电话也没人接|想请人去看看]",
        "我[妈|爸|家老人|婆婆][腿脚不好|走不了路|坐轮椅|刚做完手术]，[想找人帮忙买菜|能不能有人帮忙去超市买点东西|菜都没人买]",
        "[我爸|老父亲|我家老太太][行动不便出不了门|卧床了|下不了楼]，[想找个会理发的上门|头发长了没法剪|想请人上门剪个头发]",
        "[想申请|能不能给安排|有没有]老人[送餐|助餐|上门送饭]，[做饭不方便了|一个人不会做|手抖拿不了锅]",
        "[下周|明天|周三][要去医院复查|要去医院拿药|要去看病]，[子女不在身边|没人陪|一个人去不了]，想找志愿者陪一下",
        "[我妈|奶奶|外婆]年纪大了[记性不好|老是忘关火|有点糊涂]，[白天我们上班没人看着|想有人偶尔去看看]",
        "[家里老人|我公公][要洗澡|洗头]没人帮忙，[我们搬不动他|他腿使不上劲]",
        "[帮忙|能不能帮]去药店给[我妈|老人|我爸][买点降压药|拿个药|买点膏药]，我[走不动|腿疼下不了楼]",
        "老人想[学用智能手机|学视频通话|学手机挂号]，[子女不在家|孙子没耐心教]",
        "[八十多岁|九十岁][的老人|的老太太|的老爷子][想找人说说话|太孤单了|天天一个人坐着]",
        "[我腿脚不利索|我一个人住|我老伴走了]，[灯泡换不了|煤气罐搬不动|米都扛不上楼]，谁能帮个忙",
        "[家里老人|我爸]坐轮椅，[想借个轮椅推出去晒太阳|出门没人推|想下楼转转]",
        "[社区食堂|老年食堂|助餐点][几点开饭|能不能送到家|怎么订餐]，我[走路慢|腿不好]",
        "[想给老人|我妈][装个扶手|装个防滑垫|装个呼叫器]，[卫生间太滑|怕她摔]",
        "[帮我|帮我们]家[老人|爷爷]去[银行取个钱|邮局寄个东西|交一下电费]，他[出不了门|不会用手机]",
        "[独居老人|空巢老人|我们楼的孤寡老人]需要[定期探访|有人照应|帮忙打扫一下屋子]",
        "[奶奶|爷爷]住院了，[想找人陪护一晚|晚上需要有人陪床|我们轮流照顾不过来]",
        "my [grandma|grandpa|mother] [cannot walk|lives alone] and needs help with [shopping|a haircut]",
        "[elderly|old] neighbour has not been seen for days, can someone check",
    ],
    "dispute": [
        "[跟|和][楼上|隔壁|对门|楼下]的[邻居|那家人|住户][沟通了好几次|讲不通道理|一说就吵]，[想请社区来评评理|希望网格员出面协调|能不能帮忙调解一下]",
        "[隔壁|对门|楼上][那户人家|的租户|的邻居][太不讲理了|天天找茬|故意针对我们]，[我们年纪大了吵不过|实在没办法了|想投诉]",
        "[楼上|楼下|隔壁][说我家|怪我们家|非说是我们][太吵|漏水|占了他的地方]，[天天上门来闹|堵在门口骂|在群里骂人]，[请社区主持公道|想请人调解]",
        "[邻居|隔壁|楼上][在公共楼道|在楼梯间|在门口][装了摄像头对着我家门|堆了一堆东西不让动|养了一大群鸡]，[谈不拢|说了也不理]",
        "[为了|因为][一堵墙|楼道的灯谁交电费|门口的鞋柜|阳台晾衣服][和邻居起了矛盾|两家吵起来了|闹到要打官司]，[有没有人能调解|社区能管吗]",
        "[邻居|楼上那户|对门那家]总是[占着我家门口的位置|把东西堆在我家墙边|把纸箱堆在我家门口]，[说了好几次都不改|还说我多管闲事|态度很差]",
        "[隔壁|对门|楼下][养的猫|家的狗|的鸽子][跑到我家阳台|在我家门口拉屎|吵得人睡不着]，[跟他们说也不管|他们不承认]",
        "[我跟|我们家和][楼下|隔壁|对门]因为[一点小事|孩子打架|漏水的事][闹得不愉快|好几天不说话|吵得很凶]，[能不能找人说和一下|想请社区主持公道]",
        "[楼上|隔壁][天天在阳台上烧烤|在楼道里抽烟|把烟头往下扔]，[味道呛人|烟灰飘进来]，[说了不听|沟通不了]",
        "[楼上|隔壁|对门][家的洗衣机|家的空调|家的音响][半夜一直响|震得我家墙都在抖|吵得老人睡不好]，[敲门也不理|说了几次没用]",
        "[邻居|对面那家|楼下那户][把垃圾放在我家门口|在公共走廊晾衣服|把电动车停在我家门口]，[说他还不高兴|沟通不了]",
        "[楼下的烧烤摊|隔壁的饭店|小区门口的夜宵店][油烟太大|排风正对我家|每天开到凌晨]，[熏得窗户都不敢开|吵得睡不着]，[想请社区协调一下|跟老板说了没用]",
        "[楼上|隔壁][家的孩子|家的狗|家的人][天天在家蹦|半夜哭闹|吵架摔东西]，[我们都快崩溃了|老人心脏受不了]",
        "[因为|为了][停车的事|晾衣服滴水|装修噪音]跟[邻居|楼上|对门][吵了一架|闹翻了|差点动手]，[想请网格员来调解|请社区出面说说]",
        "[楼上|隔壁|上面那家][往下滴水|阳台漏水|空调水][滴到我家|弄脏我家衣服|泡坏我家雨棚]，[他们不认账|商量不好]",
        "楼上[天天半夜|每天晚上十二点以后|一大早][跺脚|拖椅子|弹琴|打麻将]，[吵得睡不着|孩子都被吵醒|说了也不听]",
        "[广场舞|楼下跳舞的|唱歌的大妈][声音太大了|音响开得震天响|每晚九点多还在跳]，[老人孩子都休息不好|跟他们说还骂人]",
        "[隔壁|对门|楼下][的狗|养的狗][天天叫|整晚叫|一有人过就叫]，[跟主人说了没用|快神经衰弱了]",
        "[楼下饭馆|隔壁|对门家][的油烟|炒菜的油烟|烧烤的烟][全往我家窗户里灌|熏得家里全是味|衣服都不能晒]，[沟通过好几次|他们不理]",
        "[楼上|楼上邻居]家[漏水|卫生间渗水]把我家[天花板|墙]泡了，[找他们不开门|他们不承认|不肯修]，想请社区协调",
        "[邻居|对门][把鞋柜放在公共走廊|占了楼道堆东西|在楼道装了个门]，[跟他说他还骂人|我们进出不方便]",
        "[隔壁|楼上|对门][装修|打电钻|砸墙][中午也不停|周末一大早就开始|都三个月了]，[孩子要午睡|家里有病人]",
        "[楼上|隔壁][在阳台抽烟|烟味飘下来|总往下弹烟灰]，[家里有孩子|呛得咳嗽]，怎么沟通",
        "[邻居|对门的|楼下的][遛狗不牵绳|狗吓到我家孩子|狗追着人咬]，[说了两句还吵起来了|要他道歉不肯]",
        "[跟邻居|跟楼上|跟物业]因为[车位|晾衣服滴水|漏水赔偿][吵起来了|闹得很僵|差点打起来]，想请人调解",
        "[楼上的小孩|楼上]每天[跑来跑去|拍球|跳绳]，[楼下受不了|老人心脏不好]",
        "[邻居|隔壁|楼上][空调外机|排风扇]正对着我家窗户，[吵得很|热风直吹]，[沟通无果|他们说不关我的事]",
        "[楼上|对门][在家里养鸽子|养鸡|养了好多猫]，[味道很大|到处是毛|羽毛飘到我家阳台]",
        "[邻居|楼下][种菜用粪水浇|在公共绿地种菜|把绿化带占了]，[臭|说了不听]",
        "[有人|邻居][半夜在楼下喝酒划拳|开车轰油门|吵架摔东西]，[报警也没用|天天这样]",
        "[两家人|我们和隔壁]为了[墙上打孔|公共区域|一棵树][闹矛盾|有纠纷]，[能不能|希望]社区出面调解",
        "the [neighbours|people upstairs] are [very noisy|playing loud music] every night",
        "[dispute|argument] with my neighbour about the shared corridor, need mediation",
    ],
    "consultation": [
        "[想问问|咨询一下|请问][退休金|养老金|退休工资][怎么查|什么时候涨|认证怎么做]",
        "[住房公积金|公积金|租房补贴][怎么提取|能不能在社区办|需要带什么]",
        "[老人|我妈|我爸]的[高龄津贴|百岁补贴|护理补贴][怎么领|多久发一次|要去哪里登记]",
        "[孩子|小孩][办身份证|上户口|转学][需要社区开什么证明|要带哪些材料|流程怎么走]",
        "[死亡证明|出生证明|独生子女证][在哪里开|丢了能补吗|要什么手续]",
        "[结婚证|离婚证|婚育证明][怎么办|要去哪里|社区能开吗]",
        "[医保|城乡居民医保|职工医保][怎么交|在哪里续费|今年交多少钱|断了怎么补]",
        "[养老保险|社保][怎么办理|怎么查|退休了怎么领|异地能不能转]",
        "[老年证|优待证|老年卡][在哪里办|要带什么材料|过期了怎么换]",
        "[居住证|暂住证|户口][怎么办|需要什么手续|迁进来要什么材料]",
        "[低保|困难补助|临时救助|高龄补贴][怎么申请|条件是什么|什么时候发]",
        "[孩子上学|小孩入学|幼儿园报名]要准备[什么材料|哪些证明|户口本吗]",
        "[开居住证明|开无犯罪证明|开亲属关系证明][在社区能开吗|要带什么|几天能拿到]",
        "[新冠疫苗|流感疫苗|老人的疫苗][在哪里打|要预约吗|免费吗]",
        "[残疾证|残疾人补贴|护理补贴][怎么评|去哪里申请|流程是怎样的]",
        "[新生儿|宝宝][上户口|办医保|打疫苗]的流程是什么，[第一次当妈不懂|老公在外地]",
        "[电动车上牌|电瓶车登记][在哪里办|要带发票吗]",
        "[生育津贴|育儿补贴|托育补贴][能领吗|怎么报|多久到账]",
        "[个体户|开小店|店铺][营业执照|食品经营许可|门头招牌][怎么办理|要去哪个窗口|社区能帮忙吗]",
        "[灵活就业|失业登记|再就业培训][怎么登记|有补贴吗|去哪报名]",
        "[旧房改造|加装电梯|老旧小区改造]的政策[是什么|我们楼能申请吗|要多少户同意]",
        "[身份证|社保卡][丢了|过期了]，[怎么补办|在哪里补|要多久]",
        "[党员组织关系|退休党员][怎么转过来|在哪里登记]",
        "[公租房|廉租房|人才公寓][怎么申请|排队多久|有什么条件]",
        "想问一下[独生子女证|计生奖励|光荣证][还能办吗|怎么领]",
        "how do I apply for [medical insurance|a residence permit|the elderly card]",
        "what documents do I need for [school enrolment|a certificate of residence]",
    ],
    "other": [
        "[楼下|门口|对面][的超市|的药店|的菜市场|的银行][几点关门|周末开不开|今天休息吗]",
        "[我的电话是|联系电话|手机号]1[38|39|58|86]{phone}，[有事打我电话|麻烦联系我|没人接就发短信]",
        "[群里|这里|大家][有没有|谁有][多余的纸箱|旧报纸|装修师傅的电话|家教推荐]，[借用一下|想要|推荐一下]",
        "[菜市场|超市|水果店][的菜|的肉|的鸡蛋][又涨价了|比上周贵|便宜了]，[大家注意|买菜的时候看看]",
        "[请问|想问一下][快递驿站|菜鸟驿站|丰巢柜][搬到哪里了|几点关门|取件码在哪看]",
        "[祝大家|恭喜|欢迎][中秋快乐|新邻居入住|宝宝满月]，[发个红包|请大家吃糖|一起热闹一下]",
        "[小区|我们楼|群里]的[合唱队|太极队|舞蹈队][招人吗|几点练习|在哪里集合]",
        "[有没有人|谁]知道[附近哪里配钥匙|哪家修鞋|哪里有修手机的]，[推荐一下|谢谢]",
        "[明天|下周|这个周末][社区有没有|有没有]组织[义剪|义诊|包粽子|文艺演出]，[几点开始|在哪里|要报名吗]",
        "[大家|各位邻居][早上好|晚上好|周末愉快]，[今天天气真好|出去走走]",
        "[群里|小区群]能不能[发个通知|提醒一下大家|转一下]，[明天停水|周六打疫苗|有义诊]",
        "[捡到|看到有人丢了][一把伞|一个书包|一只手套]，[放在门卫室了|失主来拿]",
        "[我是新来的|刚加群|第一次发言]，[请问群里能发什么|群规是什么|怎么改群昵称]",
        "[感谢|谢谢][网格员|书记|志愿者团队]，[上次的活动办得很好|辛苦了|给大家拜个年]",
        "[这周|周六|明天][社区有什么活动|有没有亲子活动|书法课还上吗|电影放映几点]",
        "[谁捡到|有没有人看到][一串钥匙|一个钱包|一张公交卡|我家的猫]，[在小区门口丢的|昨天下午丢的]，谢谢",
        "[谢谢|感谢][志愿者|社区的同志|小李][昨天帮忙|上次帮我修|一直照顾我们]，[太热心了|给你们点赞]",
        "[家里有|转让|出][闲置的婴儿车|一台旧冰箱|几本小学课本]，[有需要的邻居|谁要|免费送]",
        "[大家好|各位邻居好|新年好]，[我是新搬来的|祝大家节日快乐|请多关照]",
        "[活动室|图书室|老年活动中心][几点开门|周末开吗|能借来开会吗]",
        "[想报名|怎么报名][志愿者|明天的义诊|周末的包饺子活动|亲子运动会]",
        "[快递|外卖|包裹][放哪里了|是不是送错了|谁拿错了我的]",
        "[群里|小区]有没有人[拼团买水果|一起团购大米|组队跑步]",
        "[今晚|明天][会不会停水|有没有通知|几点开会]，[没看到通知|刚才群里说的没看清]",
        "小区门口挂的[灯笼|彩旗|横幅][掉了一个|歪了|被风吹跑了]，谁有空挂一下",
        "[电梯广告屏|广告机][一直在放|声音有点大]，能不能调小点",
        "[请问|问一下][书记下午茶|坝坝会|居民议事会][是哪天|在哪里开|我能参加吗]",
        "[今天天气不错|下雨了记得收衣服|明天降温]，[大家注意保暖|出门带伞]",
        "[我家孩子|小朋友]想[学画画|学跳舞|学下棋]，小区有没有[兴趣班|老师]",
        "[积分|志愿积分|积分超市][怎么查|能换什么|什么时候开放]",
        "[楼下新开的|门口的][超市|理发店|早餐店]几点[关门|开门]",
        "[转发|分享]一下[防诈骗|防溺水|消防安全]的知识，大家[看看|注意]",
        "[有人|谁家]的[风筝|球|衣服]掉到我家[阳台|雨棚]上了，下来拿一下",
        "[thank you|thanks] to the volunteers for [yesterday|the help]",
        "is there a [community event|film night|calligraphy class] this weekend",
    ],
}

# Who writes, and how: a prefix and a suffix of their own, and how often they leave out punctuation.
PERSONAS = {
    "elderly": {
        "open": [
            "",
            "你好",
            "同志你好，",
            "社区的领导你们好",
            "小王啊，",
            "麻烦问一下，",
            "我是老李，",
            "我七十多了，",
            "我是退休的老张 ",
            "喂喂，",
            "请问",
        ],
        "close": ["", "谢谢", "麻烦你们了", "谢谢啊", "拜托了", "辛苦了", "谢谢谢谢", "有劳了"],
        "ramble": [
            "我眼睛不好字打得慢",
            "儿子在外地工作一年回来一次",
            "老伴前年走了",
            "说了好多次了也没人管",
            "物业电话一直打不通",
            "我不会用这个手机是孙女教我的",
            "年纪大了记性不好",
            "昨天下了一晚上雨",
            "我们这个楼都是老房子了",
        ],
        "bare": 0.35,
    },
    "parent": {
        "open": ["", "各位好，", "求助一下，", "宝妈求助，", "打扰一下，", "请问一下，", "hello，"],
        "close": ["", "谢谢🙏", "感谢！", "谢谢大家", "有没有人管管", "拜托拜托", "🙏🙏"],
        "ramble": [
            "家里孩子才两岁",
            "我一个人带娃走不开",
            "老公出差了",
            "孩子每天在楼下玩",
            "刚搬来不太懂",
            "白天上班晚上才回来",
            "宝宝刚睡着",
        ],
        "bare": 0.15,
    },
    "shop": {
        "open": ["", "我是门口开超市的，", "我是楼下开店的，", "老板娘问一下，", "店里", "我们店", "您好，"],
        "close": ["", "谢谢", "麻烦尽快", "影响生意了", "感谢", "好几天了"],
        "ramble": [
            "顾客都有意见了",
            "我们店开了十几年了",
            "白天人多晚上才有空",
            "店里就我一个人",
            "生意本来就不好做",
        ],
        "bare": 0.25,
    },
}

# Places as residents type them, each with its canonical (building, unit, room).
BUILDING_NUMBERS = list(range(1, 30))
CN = "零一二三四五六七八九"


def _cn(n: int) -> str:
    if n < 10:
        return CN[n]
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else CN[tens] + "十") + (CN[ones] if ones else "")


def _place(rng: random.Random) -> tuple[str, str | None, str | None, str | None]:
    b = rng.choice(BUILDING_NUMBERS)
    u = rng.randint(1, 6)
    r = f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"
    forms = [
        (f"{b}号楼", b, None, None),
        (f"{b}栋", b, None, None),
        (f"{_cn(b)}号楼", b, None, None),
        (f"{_cn(b)}栋", b, None, None),
        (f"{b}#楼", b, None, None),
        (f"{b}号楼{u}单元", b, u, None),
        (f"{b}栋{u}单元", b, u, None),
        (f"{_cn(b)}栋{_cn(u)}单元", b, u, None),
        (f"{b}-{u}-{r}", b, u, r),
        (f"{b}栋{u}单元{r}", b, u, r),
        (f"{b}号楼{r}", b, None, r),
        (f"{u}单元", None, u, None),
    ]
    text, building, unit, room = rng.choice(forms)
    return (
        text,
        f"{building}号楼" if building else None,
        f"{unit}单元" if unit else None,
        room,
    )


PLACE_FRAMES = ["{p}", "我住{p}，", "{p}的", "{p}这边", "在{p}，", "住{p}，", "我家{p} "]

URGENT = ["急！", "很急", "急急急", "麻烦赶紧来人", "着急，", "请快来看看，急", "急死了", "紧急！"]
NOT_URGENT = ["不急，有空来看看", "不着急，方便的时候弄一下", "不是很急", "有空再来就行"]
SINCE = ["好几天了", "都一个星期了", "从昨天开始", "上个月就这样", "今天早上发现的", "反映过两次了"]

# Dialect words (Sichuan and northern colloquial) and pinyin-input slips.
DIALECT = [
    ("什么", "啥子"),
    ("怎么", "咋个"),
    ("没有", "莫得"),
    ("一下", "哈"),
    ("很", "老"),
    ("不行", "不得行"),
    ("这里", "这儿"),
    ("怎么办", "咋整"),
]
TYPOS = [
    ("垃圾", "拉圾"),
    ("楼道", "楼到"),
    ("麻烦", "麻凡"),
    ("电梯", "电题"),
    ("漏水", "露水"),
    ("在", "再"),
    ("的", "得"),
    ("哪里", "那里"),
    ("谢谢", "xiexie"),
    ("物业", "物叶"),
    ("下水道", "下水到"),
    ("已经", "以经"),
    ("厕所", "测所"),
    ("邻居", "临居"),
]
PUNCT = re.compile(r"[，。！？、,!?]")


def held_out_alternative(index: int, count: int) -> bool:
    return count >= 2 and (index == 1 if count == 2 else index % 3 == 2)


def expand(template: str, rng: random.Random, held_out: bool | None = None) -> str:
    """One phrasing of `template`; held_out True/False: only the held-out / training alternatives."""
    template = template.replace("{phone}", f"{rng.randint(0, 99_999_999):08d}")

    def pick(match: re.Match[str]) -> str:
        options = match.group(1).split("|")
        if held_out is not None:
            options = [
                o for i, o in enumerate(options) if held_out_alternative(i, len(options)) == held_out
            ] or options
        return rng.choice(options)

    return re.sub(r"\[([^\]]*)\]", pick, template)


def message(
    category: str, template: str, rng: random.Random, seconds: list[str], held_out: bool
) -> dict[str, object]:
    persona = PERSONAS[rng.choice(list(PERSONAS))]
    english = template.isascii()
    core = expand(template, rng, held_out)
    parts: list[str] = []
    building = unit = room = None
    urgent = False
    if not english:
        parts.append(rng.choice(persona["open"]))  # type: ignore[arg-type]
        if rng.random() < 0.25:
            parts.append(rng.choice(persona["ramble"]) + "，")  # type: ignore[arg-type]
        if rng.random() < 0.55:
            text, building, unit, room = _place(rng)
            parts.append(rng.choice(PLACE_FRAMES).format(p=text))
        parts.append(core)
        if rng.random() < 0.35:
            parts.append("，" + rng.choice(SINCE))
        if rng.random() < 0.2:
            parts.append("，" + rng.choice(persona["ramble"]))  # type: ignore[arg-type]
        if rng.random() < 0.15 and seconds:  # a second, smaller problem of another kind
            parts.append(
                rng.choice(["，还有", "。另外", "，顺便说一下", "，对了"]) + expand(rng.choice(seconds), rng)
            )
        roll = rng.random()
        if roll < 0.14:
            parts.append("，" + rng.choice(URGENT))
            urgent = True
        elif roll < 0.2:
            parts.append("，" + rng.choice(NOT_URGENT))
        parts.append(rng.choice(persona["close"]))  # type: ignore[arg-type]
    else:
        if rng.random() < 0.4:
            b = rng.choice(BUILDING_NUMBERS)
            parts.append(f"Building {b}: ")
            building = f"{b}号楼"
        parts.append(core)
        if rng.random() < 0.12:
            parts.append(", urgent!")
            urgent = True
    text = "".join(parts)
    if not english:
        if rng.random() < 0.25:
            for plain, spoken in rng.sample(DIALECT, 2):
                text = text.replace(plain, spoken, 1)
        if rng.random() < 0.3:
            for right, wrong in rng.sample(TYPOS, 3):
                text = text.replace(right, wrong, 1)
        if rng.random() < float(persona["bare"]):  # type: ignore[arg-type]
            text = PUNCT.sub(" ", text)  # voice input: no punctuation
        elif rng.random() < 0.1:
            text = text.replace("，", "。。。", 1)
    text = " ".join(text.split())
    return {
        "text": text,
        "category": category,
        "urgent": urgent,
        "building": building,
        "unit": unit,
        "room": room,
    }


def is_held_out(index: int) -> bool:
    return index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def build() -> dict[str, list[dict[str, object]]]:
    rng = random.Random(SEED)
    out: dict[str, list[dict[str, object]]] = {"train": [], "heldout": []}
    for split, count in PER_CATEGORY.items():
        for category, templates in PROBLEMS.items():
            held_out = split == "heldout"
            own = [t for i, t in enumerate(templates) if held_out or not is_held_out(i)]
            seconds = [
                t
                for other, ts in PROBLEMS.items()
                if other not in (category, "other")
                for i, t in enumerate(ts)
                if (held_out or not is_held_out(i)) and not t.isascii()
            ]
            seen: set[str] = set()
            tries = 0
            while len(seen) < count and tries < count * 20:
                tries += 1
                item = message(category, rng.choice(own), rng, seconds, held_out)
                if item["text"] in seen:
                    continue
                seen.add(str(item["text"]))
                out[split].append(item)
    rng.shuffle(out["train"])
    rng.shuffle(out["heldout"])
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for split, items in build().items():
        with (OUT / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for item in items:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"{split}: {len(items)} messages")


if __name__ == "__main__":
    main()
