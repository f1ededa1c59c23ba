"""Small name lexicons shipped with the library (no download at run time).

The Chinese surname list holds about 300 of the most frequent single-character surnames
plus the common compound surnames. The English lists hold a few hundred of the most common
given names (SSA popularity lists) and surnames (US census), lower-cased.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """Split a whitespace-separated word list into a frozen set."""
    return frozenset(text.split())


_CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    "房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    "应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀"
    "郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴"
    "丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿"
    "鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干尉冶斯元束檀衣信展阴昝智幸奉植衡富尧"
    "萧洪赖由钮滑荀羿邓暴郗蓬糜綦红"
)

CN_SURNAMES: frozenset[str] = frozenset(_CN_SURNAMES)

CN_COMPOUND_SURNAMES: frozenset[str] = words(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 端木 轩辕 南宫 西门 "
    "独孤 呼延 申屠 太史 万俟 澹台 公冶 宗政 濮阳 淳于 单于 钟离 闻人 赫连 拓跋 司空"
)

# Characters common in given names (compiled by hand from published name-frequency tables:
# the most frequent given names of mainland residents across generations).
CN_GIVEN_NAME_CHARS: frozenset[str] = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕飞鹏斌宇浩凯健俊帆帅旭宁杨想"
    "龙林欣佳怡婷雪慧莹晶颖倩琳璐晨阳辉鑫波峰亮成志文建国荣春梅兵振海东新德祥福生元全胜安庆永"
    "宏光天小子云博嘉梓涵轩睿泽豪晓丹瑶琴蓉莉琪薇娇妍悦璇蕾菲晴楠洁凤珍珠翠淑惠爱霖清昊然诺依"
    "宸铭瑞彤萱琦航泓毅鸿翔远腾震霆雷辰星月露冰玥婉婕媛嫣妮娅姗姣姝莎蔓芸茜萌蓓菁茹蕊荷莲菊桃"
    "杏柳樱枫松柏桦楷榕森彬杉栋梁金银钢铁锋锐钰锦镇坤培基城坚垚增秋冬夏立伦仁义信忠孝礼智勤俭"
    "诚善良贤正直友朋武威雄壮美素贞雯晗墨逸曦昕昭晖卫兴旺达富贵江河湖泉源溪润澄沛山岩岳峻崇嵩"
    "鹤雁鸣翼敢韧久恒厚吉禄寿喜淼焱朱赤青碧绿蓝畅瀚媚康思怀花雅婧琛瑾瑜璟珏琼璞琰玮炜烨煜熙灿"
    "焕炎勋劲励钧锴铮骏驰骁鹰彪虎豹麟宾宜容宣守宝寅岚巍川州希广庭廷弘彦彩影征律恩慈承敬斐昌晋"
    "晟景曼朗枝根梦楚欢毓汉池沙泰洪浪淳深湘滨潇澜玄玫珊瑛甜田白皓盈真石磐祖祺禹科程稳章童竹笑"
    "筠紫纯维绍继羽翰耀聪舒艺芝芮苗若茂菡蒙蔚虹衡裕誉诗语贝财贺赛越跃迪遥郁醒钦铃锡闯阔雨霄靖"
    "韦韬韵顺颂风馨鲲鸽黎齐"
)

EN_GIVEN_NAMES: frozenset[str] = words(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
    christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse
    jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy
    vincent ralph eugene russell bobby mason philip louis travis bradley shawn victor chad
    derek cody luis jared troy marcus dustin corey curtis todd mario martin johnny craig
    alex evan ian lucas liam oliver owen caleb luke hunter connor isaac carlos antonio
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
    stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela
    emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria
    heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan
    evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison
    frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn
    danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis
    lori tiffany tammy crystal erin wendy tracy courtney monica rose julia chelsea erica
    jamie stacy april holly heidi kristen kristin melanie veronica allison tara dawn leslie
    valerie jill natasha vanessa caroline mia ava chloe zoe lily ella avery sofia harper
    brooke paige morgan taylor shannon erika kathy sherry joanne colleen yolanda sheila
    tina angel regina kristina krista misty carrie gina jenna jillian kara kendra kristy
    cassandra katie jasmine destiny sydney brianna haley kaitlyn madeline mackenzie alyssa
    tony jim bill tom mike steve dan chris matt nick jon ron don ken ben sam greg tim jeff
    rick ricky danny tommy jimmy marc glenn earl leonard dale phillip calvin jay manuel jorge
    ricardo miguel francisco javier pedro raul fernando roberto eduardo rafael ruben sergio
    omar hector marco fred frederick stanley harry leroy allen clarence norman herbert
    bernard melvin lloyd glen gordon dean leon warren lewis derrick tyrone darrell jerome
    darren reginald maurice clifford nathaniel max ray alfred wesley cory jeffery rodney
    devin andre howard jimmie johnathan kristopher dominic brett seth spencer colin shane
    anne renee cindy eileen brandy lindsey shelly autumn tasha pam selena briana ariel sue
    joy kim jane peggy wanda bonnie robin lois norma tanya dana connie lynn stacey sherri
    kristi jeanette sonia june ellen irene carla sylvia rita hazel lorraine edna vicki sally
    toni beth becky jenny kate katrina kelli jodi traci desiree felicia jeanne marcia gail
    ruby esther lucy ana alicia yvonne vivian loretta geraldine brittney mindy carmen rosa
    leah nina gabrielle adriana daisy faith hope bethany jocelyn kristine meredith molly
    """
)

EN_SURNAMES: frozenset[str] = words(
    """
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
    gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white
    harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres
    nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts
    gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales
    murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos
    kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes
    price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry
    russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons
    romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno west
    cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro
    marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry
    chen freeman webb tucker guzman burns crawford olson simpson porter hunter gordon mendez
    silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd
    rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols
    stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce
    vazquez hansen peters santos hart bradley knight elliott cunningham duncan armstrong
    hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston
    matthews pena richards contreras willis carpenter lawrence sandoval guerrero george
    chapman rios estrada ortega watkins greene nunez wheeler valdez harper burke larson
    santiago maldonado morrison franklin carlson austin dominguez carr lawson jacobs obrien
    lynch singh vega bishop montgomery oliver jensen harvey williamson gilbert dean sims
    espinoza howell li wong reid hanson le mccoy garrett burton fuller wang weber welch
    rojas lucas marquez fields park yang little banks padilla day walsh bowman schultz
    luna fowler mejia davidson acosta brewer may holland juarez newman pearson curtis
    cortez douglas schneider joseph barrett navarro figueroa keller avila wade molina
    stanley hopkins campos barnett bates chambers caldwell beck lambert miranda byrd craig
    ayala lowe frazier powers neal leonard gregory carrillo sutton fleming rhodes shelton
    schwartz norris jennings watts duran walters cohen mcdaniel moran parks steele vaughn
    becker holt deleon barker terry hale leon hail benson haynes horton miles lyons pham
    graves bush thornton wolfe warner cabrera mckinney mann zimmerman dawson lara fletcher
    page mccarthy love robles cervantes solis erickson reeves chang klein salinas fuentes
    baldwin daniel simon velasquez hardy higgins aguirre lin cummings chandler sharp barber
    bowen ochoa dennis robbins liu ramsey francis griffith paul blair oconnor cardenas
    pacheco cross calderon quinn moss swanson chan rivas khan rodgers serrano fitzgerald
    rosales stevenson christensen manning gill curry mclaughlin harmon mcgee gross doyle
    garner newton burgess reese walton blake trujillo adkins brady goodman roman webster
    goodwin fischer huang potter delacruz montoya todd wu hines mullins castaneda malone
    cannon tate mack sherman hubbard hodges zhang guerra wolf valencia saunders franco
    rowe gallagher farmer hammond hampton townsend ingram wise gallegos clarke barton
    abbott carson sparks charles golden house wyatt kramer savage garrison downs gould hobbs
    pugh ritter dodson mccann mcknight colon esparza hogan mcbride bradford huff mccormick
    baxter bolton blevins stokes conner cain mays parsons frank beasley hess huber hoover
    kirby bauer sweeney mcgrath whitaker mcintosh frost briggs ellison mathis mccall hurst
    hooper oneal mcdowell lloyd glass cochran case sawyer odom chase hendrix wilkins dalton
    horne goff buck fry mosley shepherd strong benton david dorsey fritz mcconnell underwood
    macdonald duffy kirk sloan sexton hester barry dillon rowland holder ashley bridges
    valentine vincent conway cooke lester mercer wilkerson brock rich hodge flynn maxwell
    """
)
